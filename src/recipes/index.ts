// Whole stories on the library: what `bertkit start` runs, and silver pairs for a cross-encoder.
export { runWordNetSupersenses, type WordNetSupersensesOptions, type WordNetSupersensesReport, type WordNetSupersensesResult } from './wordnet-supersenses.js';
export { SILVER_PAIRS_DEFAULTS, silverPairs, type SilverPairs, type SilverPairsOptions } from './silver-pairs.js';
