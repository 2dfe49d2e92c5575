/*
 * lane.h - tasks over a time window painted into columns, shared by the
 * Timeline (a lane per GPU compute, PIM stack group and link) and the Banks
 * panel (a row per stack): which task covers each column, and how a task
 * kind looks (a letter and a colour role, readable without colour).
 */
#ifndef SIEVE_UI_LANE_H
#define SIEVE_UI_LANE_H

#include "snap.h"

/* 1 when task t belongs on the lane arg describes. */
typedef int (*lane_pick)(const struct ui_snap *p, const struct engine_task *t, int arg);

/*
 * cell[c] = index of the task covering column c of w over [t0_ns, t1_ns)
 * (the latest issued wins), or -1.
 */
void lane_fill(const struct ui_snap *p, double t0_ns, double t1_ns, int w, lane_pick pick,
	       int arg, int *cell);

/* PIM work of GPU arg's stacks (its experts and attention in PIM): the stack group's lane. */
int lane_pim(const struct ui_snap *p, const struct engine_task *t, int gpu);
/*
 * Tasks holding resource arg: a GPU's compute (res_gpu), its outgoing link
 * (res_link), a stack (its PIM work and the GPU reads it serves).
 */
int lane_res(const struct ui_snap *p, const struct engine_task *t, int res);

/* The role (theme.h) and letter of a task kind. */
int lane_role(int kind);
char lane_letter(int kind);

#endif
