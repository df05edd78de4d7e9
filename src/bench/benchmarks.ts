// Every benchmark, in the order `npm run bench` runs them.
import type { Benchmark } from './benchmark.js';
import { callbackToWork } from './callbackToWork.js';
import { download } from './download.js';
import { intake } from './intake.js';
import { orchestration } from './orchestration.js';
import { providerCalls } from './providerCalls.js';
import { waitingScale } from './waitingScale.js';

export const BENCHMARKS: Benchmark[] = [intake, callbackToWork, orchestration, download, providerCalls, waitingScale];
