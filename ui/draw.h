/*
 * draw.h - painting helpers shared by the panels: rectangles, clipped
 * text, titled boxes and bars.  Everything draws into stdscr, clipped to
 * the rectangle it is given, so a panel never knows where it sits.
 */
#ifndef SIEVE_UI_DRAW_H
#define SIEVE_UI_DRAW_H

#include "theme.h"

struct rect {
	int y, x, h, w;
};

/* The inside of a bordered rectangle. */
struct rect rect_inner(struct rect r);

int rect_has(struct rect r, int y, int x);

/* printf at (y, x) in role, cut at max_w columns (<= 0: nothing). */
void draw_text(const struct look *lk, int y, int x, int max_w, int role, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* One glyph (a UTF-8 string of one column) at (y, x). */
void draw_glyph(const struct look *lk, int y, int x, int role, const char *g);

/* A border with a title on its top edge; focused panels stand out. */
void draw_box(const struct look *lk, struct rect r, const char *title, int focused);

/* Blank a rectangle. */
void draw_clear(struct rect r);

/*
 * A horizontal bar at (y, x) of value/max over w columns, whole cells drawn
 * with full, the end in eighths where the glyphs allow; returns the columns
 * it filled (a partial one counted).
 */
int draw_hbar(const struct look *lk, int y, int x, int w, double value, double max, int role,
	      const char *full);

/* Short human numbers: "12.3 us", "1.25 ms" for nanoseconds. */
void fmt_ns(char *buf, size_t len, double ns);

#endif
