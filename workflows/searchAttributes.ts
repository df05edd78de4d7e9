import { defineSearchAttributeKey } from '@temporalio/common';

// Registered on the dev server at start (src/temporal/devServer.ts) and in docker-compose.
export const KlingTaskId = defineSearchAttributeKey('KlingTaskId', 'KEYWORD');
export const GenerationStatusKey = defineSearchAttributeKey('GenerationStatus', 'KEYWORD');
export const VideoProvider = defineSearchAttributeKey('VideoProvider', 'KEYWORD');

export const SEARCH_ATTRIBUTES = [KlingTaskId, GenerationStatusKey, VideoProvider];
