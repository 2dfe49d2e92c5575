/*
 * theme.h - colours, attributes and glyphs as tables chosen once at start
 * (htop's colour schemes, btop's glyph tables): a theme gives every role a
 * colour pair for colour terminals and an attribute for monochrome ones;
 * a glyph set gives bars, shading and lines in Unicode or ASCII.
 */
#ifndef SIEVE_UI_THEME_H
#define SIEVE_UI_THEME_H

#include <curses.h>

/* What a cell shows; a theme maps each to a look. */
enum role {
	R_NORMAL, R_BORDER, R_TITLE, R_FOCUS, R_DIM, R_HEADER,
	R_GPU, R_PIM, R_LINK, R_ATTN, R_SHARED, R_ATTN_PIM,
	R_CURSOR, R_SELECT, R_WARN, R_REF,
	R_NROLES
};

struct theme_role {
	short fg, bg;		/* COLOR_*, -1 = the terminal's default */
	attr_t attr;		/* added with colour */
	attr_t mono;		/* used alone without colour */
};

struct theme {
	const char *name;
	int colour;		/* 0: attributes only, even on a colour terminal */
	struct theme_role role[R_NROLES];
};

struct glyphs {
	const char *eighth[9];	/* vertical bar tops: 0..8 eighths of a cell */
	const char *hbar[9];	/* horizontal bar ends: 0..8 eighths */
	const char *gpu_full, *pim_full;	/* a full cell of a GPU / PIM bar */
	const char *shade[4];	/* light to full, for heatmaps */
	const char *ref;	/* a reference mark on a bar row */
	int unicode;		/* box lines in Unicode, else + - | */
};

/* Everything the panels need to paint: chosen once at start. */
struct look {
	const struct theme *th;
	const struct glyphs *gl;
	int colour;		/* colours in use */
	attr_t attr[R_NROLES];	/* the attribute (with pair) per role */
};

const struct theme *theme_find(const char *name);

/*
 * Pick glyphs and colours for the terminal curses is running on: colour
 * only when the theme has it, the terminal has 8 colours or more and
 * no_color is 0; Unicode glyphs only when unicode is 1.
 */
void look_init(struct look *lk, const struct theme *th, int unicode, int no_color);

#endif
