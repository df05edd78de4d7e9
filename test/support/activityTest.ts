// Shared by the activity unit tests.
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';

export const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Awaits a promise that must reject with an ApplicationFailure, and returns it. */
export async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => assert.fail('expected the activity to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  return err;
}
