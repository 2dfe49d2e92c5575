/* draw.c - painting helpers (draw.h). */
#include "draw.h"

#include <stdarg.h>
#include <stdio.h>

struct rect rect_inner(struct rect r)
{
	struct rect in = {r.y + 1, r.x + 1, r.h - 2, r.w - 2};

	if (in.h < 0)
		in.h = 0;
	if (in.w < 0)
		in.w = 0;
	return in;
}

int rect_has(struct rect r, int y, int x)
{
	return y >= r.y && y < r.y + r.h && x >= r.x && x < r.x + r.w;
}

void draw_text(const struct look *lk, int y, int x, int max_w, int role, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (max_w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + max_w > COLS)
		max_w = COLS - x;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	attrset(lk->attr[role]);
	mvaddnstr(y, x, buf, max_w);
	attrset(lk->attr[R_NORMAL]);
}

void draw_glyph(const struct look *lk, int y, int x, int role, const char *g)
{
	if (y < 0 || y >= LINES || x < 0 || x >= COLS)
		return;
	attrset(lk->attr[role]);
	mvaddstr(y, x, g);
	attrset(lk->attr[R_NORMAL]);
}

void draw_clear(struct rect r)
{
	for (int y = r.y; y < r.y + r.h && y < LINES; y++)
		mvhline(y, r.x, ' ', r.w);
}

/*
 * Box lines as UTF-8 strings, not ACS: ncurses switches to the terminal's
 * line-drawing charset for ACS, which a terminal told TERM=xterm or vt100
 * inside tmux or screen shows as "lqqk".
 */
void draw_box(const struct look *lk, struct rect r, const char *title, int focused)
{
	int role = focused ? R_FOCUS : R_BORDER, u = lk->gl->unicode;
	int line = focused && !lk->colour ? R_TITLE : role;	/* mono: bold lines, not reversed */
	const char *h = u ? "\u2500" : "-", *v = u ? "\u2502" : "|";
	const char *c[4] = {"\u250c", "\u2510", "\u2514", "\u2518"};

	if (r.h < 2 || r.w < 2)
		return;
	if (!u)
		c[0] = c[1] = c[2] = c[3] = "+";
	for (int x = r.x + 1; x < r.x + r.w - 1; x++) {
		draw_glyph(lk, r.y, x, line, h);
		draw_glyph(lk, r.y + r.h - 1, x, line, h);
	}
	for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
		draw_glyph(lk, y, r.x, line, v);
		draw_glyph(lk, y, r.x + r.w - 1, line, v);
	}
	draw_glyph(lk, r.y, r.x, line, c[0]);
	draw_glyph(lk, r.y, r.x + r.w - 1, line, c[1]);
	draw_glyph(lk, r.y + r.h - 1, r.x, line, c[2]);
	draw_glyph(lk, r.y + r.h - 1, r.x + r.w - 1, line, c[3]);
	draw_text(lk, r.y, r.x + 2, r.w - 4, focused ? role : R_TITLE, " %s ", title);
}

int draw_hbar(const struct look *lk, int y, int x, int w, double value, double max, int role,
	      const char *full)
{
	int eighths;

	if (w <= 0 || max <= 0 || value <= 0)
		return 0;
	eighths = (int)(value / max * w * 8 + 0.5);
	if (eighths > w * 8)
		eighths = w * 8;
	if (eighths == 0)
		eighths = 1;	/* a nonzero value always shows */
	for (int i = 0; i < eighths / 8; i++)
		draw_glyph(lk, y, x + i, role, full);
	if (eighths % 8)
		draw_glyph(lk, y, x + eighths / 8, role,
			   lk->gl->unicode ? lk->gl->hbar[eighths % 8] : full);
	return eighths / 8 + (eighths % 8 != 0);
}

void fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.3f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", ns / 1e9);
}
