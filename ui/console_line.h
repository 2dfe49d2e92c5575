/*
 * console_line.h - the console inside the UI.  console_line.c is the line
 * (`:`), edited by readline through its callback interface and drawn by
 * us on the status row, with our own completion list; console_out.c is
 * what the console shows and does: the output pane, notes, the lines
 * waiting for the worker to be idle, and the ui_* functions of ui.h that
 * the command language calls.
 */
#ifndef SIEVE_UI_CONSOLE_LINE_H
#define SIEVE_UI_CONSOLE_LINE_H

#define CON_OUT_MAX 1000	/* output lines kept for the pane */
#define CON_QUEUE 16		/* lines typed while a step runs */
#define CON_MATCHES_MAX 256	/* completions listed */

struct app;

struct con_note {
	int iter, layer;	/* the position it was written at */
	char *text;
};

struct conline {
	/* console_line.c */
	int open;		/* the line is being edited */
	unsigned char in[16];	/* the bytes of one key, for readline's getc */
	int nin, inpos;
	char *match[CON_MATCHES_MAX];	/* the completion list shown, or none */
	int nmatch, more;	/* listed, and left out */
	char **cand;		/* the candidates of one completion */
	int ncand, capcand, nextcand;
	/* console_out.c */
	char *out[CON_OUT_MAX];	/* a ring: line i is out[i % CON_OUT_MAX] */
	long nout;
	int pane;		/* the output pane is shown */
	long pane_top;		/* its first line */
	char *queue[CON_QUEUE];
	int nqueue;
	int started;		/* the startup callback ran */
	struct con_note *note;
	int nnotes;
	long cycles;		/* ui_step_cycle during the command */
	int progressed;		/* ui_progress during the command: it took long */
};

/* console_line.c */

/* Readline set up (before the terminal is opened), history read. */
void conline_init(struct app *ap);
/* History written back, readline let go. */
void conline_done(struct app *ap);
/* `:`: open the line. */
void conline_open(struct app *ap);
/* A key, when the line or the pane takes it: 1; else 0 (the key table's). */
int conline_key(struct app *ap, int ch);
/* The pane, the completion list and the line over the frame; the cursor. */
void conline_draw(struct app *ap);

/* console_out.c */

/* A line entered: run it when the worker is idle. */
void con_submit(struct app *ap, const char *line);
/* With the worker idle: the startup, or one waiting line; 1 when one ran. */
int con_run_pending(struct app *ap);
/* Keys of the output pane (scrolling, Esc): 1 when taken. */
int con_pane_key(struct app *ap, int ch);
/* The output pane, above the status row. */
void con_pane_draw(struct app *ap);
/* The note for the shown position (the latest written at or before it), or NULL. */
const char *con_note_now(const struct app *ap);
/* Free what console_out.c holds. */
void con_free(struct app *ap);

#endif
