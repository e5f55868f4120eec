// The file formats' public API: safetensors, JSON with located errors, line-by-line text.
export { SafetensorsError, readSafetensors, writeSafetensors, type NamedTensor, type SafetensorsDType, type SafetensorsFile, type TensorData } from './safetensors.js';
export type { LoadReport } from './state-dict.js';
export { parseJson, readJsonFile } from './json-file.js';
export { readLineChunks, readTextLines, type LineChunk, type ReadLinesOptions } from './text-lines.js';
