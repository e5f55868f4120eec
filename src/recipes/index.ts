// Whole stories on the library: what `bertkit start` runs.
export { runWordNetSupersenses, type WordNetSupersensesOptions, type WordNetSupersensesReport, type WordNetSupersensesResult } from './wordnet-supersenses.js';
