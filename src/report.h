/*
 * report.h - what `sieve run` prints: the summary figures and the
 * per-layer breakdown of a finished simulation, as text, JSON or CSV.
 * Output depends only on the simulation's state, so the same inputs and
 * seed give byte-identical reports.
 */
#ifndef SIEVE_REPORT_H
#define SIEVE_REPORT_H

#include <stdio.h>

#include "cli.h"
#include "sim.h"

void report_run(FILE *out, const struct sim *s, enum format f);

#endif
