// Programmatic use: `import { startGeneration, getGeneration } from 'klingflow'`.
export { startGeneration, getGeneration, cancelGeneration, signalProviderUpdate } from './temporal/generations.js';
export type { StartOptions, StartedGeneration } from './temporal/generations.js';
export { GenerationRequestSchema, ValidationError } from './generationRequest.js';
export type { GenerationRequestBody } from './generationRequest.js';
export type { GenerationState, GenerationStatus, TaskUpdate, StoredVideo } from '../workflows/types.js';
export { providerUpdateSignal, statusQuery } from '../workflows/messages.js';
export { loadConfig } from './config.js';
export { startStack } from './stack.js';
