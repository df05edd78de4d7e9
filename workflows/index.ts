export { videoGeneration } from './videoGeneration.js';
