//! Evaluation: the BFCL AST checker and suites (code, fc, bfcl), per-item
//! outcomes, tables and charts.
