/* theme.c - the theme and glyph tables (theme.h). */
#include "theme.h"

#include <string.h>

#include "ui.h"

const char *const ui_theme_names[] = {"dark", "light", "mono", NULL};

#define ROLE(r, f, b, a, m) [r] = {.fg = f, .bg = b, .attr = a, .mono = m}

static const struct theme themes[] = {
	{.name = "dark", .colour = 1, .role = {
		ROLE(R_NORMAL, -1, -1, 0, 0),
		ROLE(R_BORDER, COLOR_BLUE, -1, 0, 0),
		ROLE(R_TITLE, COLOR_CYAN, -1, A_BOLD, A_BOLD),
		ROLE(R_FOCUS, COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_REVERSE),
		ROLE(R_DIM, COLOR_WHITE, -1, A_DIM, A_DIM),
		ROLE(R_HEADER, COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE),
		ROLE(R_GPU, COLOR_GREEN, -1, 0, 0),
		ROLE(R_PIM, COLOR_MAGENTA, -1, A_BOLD, A_BOLD),
		ROLE(R_LINK, COLOR_YELLOW, -1, 0, A_UNDERLINE),
		ROLE(R_ATTN, COLOR_BLUE, -1, A_BOLD, 0),
		ROLE(R_SHARED, COLOR_CYAN, -1, 0, 0),
		ROLE(R_ATTN_PIM, COLOR_RED, -1, 0, A_BOLD),
		ROLE(R_CURSOR, COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE),
		ROLE(R_SELECT, COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE),
		ROLE(R_WARN, COLOR_RED, -1, A_BOLD, A_BOLD),
		ROLE(R_REF, COLOR_YELLOW, -1, A_BOLD, A_BOLD),
	}},
	{.name = "light", .colour = 1, .role = {
		ROLE(R_NORMAL, COLOR_BLACK, COLOR_WHITE, 0, 0),
		ROLE(R_BORDER, COLOR_BLUE, COLOR_WHITE, 0, 0),
		ROLE(R_TITLE, COLOR_BLUE, COLOR_WHITE, A_BOLD, A_BOLD),
		ROLE(R_FOCUS, COLOR_RED, COLOR_WHITE, A_BOLD, A_BOLD | A_REVERSE),
		ROLE(R_DIM, COLOR_BLACK, COLOR_WHITE, A_DIM, A_DIM),
		ROLE(R_HEADER, COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE),
		ROLE(R_GPU, COLOR_GREEN, COLOR_WHITE, 0, 0),
		ROLE(R_PIM, COLOR_MAGENTA, COLOR_WHITE, 0, A_BOLD),
		ROLE(R_LINK, COLOR_YELLOW, COLOR_BLACK, 0, A_UNDERLINE),
		ROLE(R_ATTN, COLOR_BLUE, COLOR_WHITE, 0, 0),
		ROLE(R_SHARED, COLOR_CYAN, COLOR_BLACK, 0, 0),
		ROLE(R_ATTN_PIM, COLOR_RED, COLOR_WHITE, 0, A_BOLD),
		ROLE(R_CURSOR, COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE),
		ROLE(R_SELECT, COLOR_WHITE, COLOR_BLACK, 0, A_REVERSE),
		ROLE(R_WARN, COLOR_RED, COLOR_WHITE, A_BOLD, A_BOLD),
		ROLE(R_REF, COLOR_RED, COLOR_WHITE, A_BOLD, A_BOLD),
	}},
	{.name = "mono", .colour = 0, .role = {
		ROLE(R_NORMAL, -1, -1, 0, 0),
		ROLE(R_BORDER, -1, -1, 0, 0),
		ROLE(R_TITLE, -1, -1, 0, A_BOLD),
		ROLE(R_FOCUS, -1, -1, 0, A_BOLD | A_REVERSE),
		ROLE(R_DIM, -1, -1, 0, A_DIM),
		ROLE(R_HEADER, -1, -1, 0, A_REVERSE),
		ROLE(R_GPU, -1, -1, 0, 0),
		ROLE(R_PIM, -1, -1, 0, A_BOLD),
		ROLE(R_LINK, -1, -1, 0, A_UNDERLINE),
		ROLE(R_ATTN, -1, -1, 0, 0),
		ROLE(R_SHARED, -1, -1, 0, 0),
		ROLE(R_ATTN_PIM, -1, -1, 0, A_BOLD),
		ROLE(R_CURSOR, -1, -1, 0, A_REVERSE),
		ROLE(R_SELECT, -1, -1, 0, A_REVERSE),
		ROLE(R_WARN, -1, -1, 0, A_BOLD),
		ROLE(R_REF, -1, -1, 0, A_BOLD),
	}},
};

static const struct glyphs unicode_glyphs = {
	.eighth = {" ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"},
	.hbar = {" ", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589", "\u2588"},
	.gpu_full = "\u2588",
	.pim_full = "\u2593",
	.shade = {"\u00b7", "\u2591", "\u2592", "\u2588"},
	.ref = "\u2502",
	.unicode = 1,
};

/* ASCII: no partial cells; a small bar top shows as a dot. */
static const struct glyphs ascii_glyphs = {
	.eighth = {" ", ".", ".", ".", "#", "#", "#", "#", "#"},
	.hbar = {" ", "#", "#", "#", "#", "#", "#", "#", "#"},
	.gpu_full = "#",
	.pim_full = "%",
	.shade = {".", ":", "+", "#"},
	.ref = "|",
	.unicode = 0,
};

const struct theme *theme_find(const char *name)
{
	for (size_t i = 0; i < sizeof themes / sizeof themes[0]; i++)
		if (name != NULL && strcmp(themes[i].name, name) == 0)
			return &themes[i];
	return &themes[0];
}

void look_init(struct look *lk, const struct theme *th, int unicode, int no_color)
{
	/* PIM bars need a glyph of their own in ASCII too: % against # */
	memset(lk, 0, sizeof *lk);
	lk->th = th;
	lk->gl = unicode ? &unicode_glyphs : &ascii_glyphs;
	/* COLORS is known only after start_color(); fewer than 8: attributes */
	lk->colour = th->colour && !no_color && has_colors() && start_color() == OK && COLORS >= 8;
	if (lk->colour)
		use_default_colors();
	for (int r = 0; r < R_NROLES; r++) {
		const struct theme_role *tr = &th->role[r];
		if (!lk->colour) {
			lk->attr[r] = tr->mono;
			continue;
		}
		init_pair((short)(r + 1), tr->fg, tr->bg);
		lk->attr[r] = COLOR_PAIR(r + 1) | tr->attr;
	}
}
