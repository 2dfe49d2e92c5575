/*
 * view.h - a panel as a view (htop's Meter): update() fills it from a
 * snapshot, draw() paints it into the rectangle it is given (inside its
 * border), key() and click() take input when it has the focus.  A view
 * never knows where on the screen it sits and never reads the simulator.
 */
#ifndef SIEVE_UI_VIEW_H
#define SIEVE_UI_VIEW_H

#include "draw.h"
#include "snap.h"

/* What every view is updated from. */
struct view_in {
	const struct ui_snap *a;	/* the run shown */
	const struct ui_snap *b;	/* the compare run, or NULL */
	double cursor_ns;	/* the timeline cursor ("now"), in a's time */
	const struct history_event *ev;	/* the event the cursor is on, or NULL */
	int playing;
	const char *speed;	/* play speed, e.g. "2 steps/s" */
	const char *grain;	/* what a step is: "event", "layer", "iteration" */
	const struct ui_banks *banks;	/* the stack replay (banks->on), for Banks */
	int sel_gpu, sel_stack;	/* the selected stack */
};

/* What Enter (or a click) opens in the inspector. */
enum { INSPECT_NONE, INSPECT_EXPERT, INSPECT_TASK };
struct inspect {
	int kind;
	int expert;		/* INSPECT_EXPERT */
	int task;		/* INSPECT_TASK: index in the snapshot's tasks */
	int run;		/* 0: the run shown, 1: the compare run */
};

struct view;
struct view_ops {
	const char *title;
	void (*update)(struct view *v, const struct view_in *in);
	void (*draw)(struct view *v, const struct look *lk, struct rect r);
	/* 1 when the key was taken */
	int (*key)(struct view *v, int key);
	/* a click at (y, x) inside r: 1 to open the inspector on it */
	int (*click)(struct view *v, struct rect r, int y, int x);
	/* what Enter inspects: 1 and *out, or 0 */
	int (*inspect)(struct view *v, struct inspect *out);
	/* frees what the state owns (may be NULL) */
	void (*release)(struct view *v);
	size_t state_size;
};

struct view {
	const struct view_ops *ops;
	void *state;		/* ops->state_size bytes, zeroed */
	struct rect r;		/* where the layout put it, border included */
};

struct view *view_new(const struct view_ops *ops);
void view_free(struct view *v);

/* Lanes of one run in the Timeline (for the layout). */
int timeline_lanes(const struct ui_snap *p);

extern const struct view_ops experts_view, histogram_view, banks_view, timeline_view, stats_view;

#endif
