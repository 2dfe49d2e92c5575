/*
 * console_line.c - readline inside curses (console_line.h).
 *
 * readline's callback interface, fed from the UI's one event loop: the
 * loop reads keys with curses (keypad on, so arrows arrive as KEY_UP),
 * turns each back into the bytes a terminal sends and hands them to
 * readline through rl_getc_function and rl_input_available_hook, one
 * rl_callback_read_char per byte.  readline never touches the terminal:
 * it does not prepare the tty (curses did), catches no signals (the loop
 * has its own), writes nothing (rl_outstream is /dev/null: no bell, no
 * listing behind curses' back) and draws nothing (rl_redisplay_function
 * only asks for a frame; the frame draws rl_display_prompt and
 * rl_line_buffer on the status row).  Completion comes from the command
 * table through struct ui_console (rl_attempted_completion_over = 1), or
 * file names for FILE arguments; the list is drawn by us
 * (rl_completion_display_matches_hook).  rl_readline_name is "sieve", so
 * ~/.inputrc (or $INPUTRC) can customise it with $if sieve.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/readline.h>

#include "app.h"
#include "console_hist.h"

#define KEY_ESC 27
#define HIST_MAX(uc) ((uc)->history_max > 0 ? (uc)->history_max : 1000)

/* readline's callbacks take no context: the one UI of the process. */
static struct app *live;
static FILE *rl_null;	/* readline's output, thrown away */

static int getc_cb(FILE *f)
{
	struct conline *cl = &live->con;

	(void)f;
	return cl->inpos < cl->nin ? cl->in[cl->inpos++] : EOF;
}

static int available_cb(void)
{
	return live->con.inpos < live->con.nin;
}

/* The frame draws the line from readline's state; nothing to do now. */
static void redisplay_cb(void)
{
}

static void matches_clear(struct conline *cl)
{
	for (int i = 0; i < cl->nmatch; i++)
		free(cl->match[i]);
	cl->nmatch = cl->more = 0;
}

static void cand_clear(struct conline *cl)
{
	for (int i = 0; i < cl->ncand; i++)
		free(cl->cand[i]);
	cl->ncand = cl->nextcand = 0;
}

static void close_line(struct conline *cl)
{
	rl_callback_handler_remove();
	cl->open = 0;
	matches_clear(cl);
	curs_set(0);
}

/* readline's line handler: Enter (line) or end of input on an empty line (NULL). */
static void on_line(char *line)
{
	struct conline *cl = &live->con;

	close_line(cl);
	conhist_rewind();
	if (line == NULL)
		return;
	if (line[strspn(line, " \t")] != '\0') {
		conhist_add(live->o->con.history, line);
		con_submit(live, line);
	}
	free(line);
}

static void add_cand(void *ctx, const char *word)
{
	struct conline *cl = ctx;

	for (int i = 0; i < cl->ncand; i++)
		if (strcmp(cl->cand[i], word) == 0)
			return;
	if (cl->ncand == cl->capcand) {
		cl->capcand = cl->capcand ? 2 * cl->capcand : 32;
		cl->cand = xrealloc(cl->cand, (size_t)cl->capcand * sizeof *cl->cand);
	}
	cl->cand[cl->ncand++] = xstrdup(word);
}

/* readline's generator over the candidates the command table gave. */
static char *next_cand(const char *text, int state)
{
	struct conline *cl = &live->con;

	(void)text;	/* the table filtered by the word already */
	if (state == 0)
		cl->nextcand = 0;
	return cl->nextcand < cl->ncand ? xstrdup(cl->cand[cl->nextcand++]) : NULL;
}

static char **complete_cb(const char *text, int start, int end)
{
	struct conline *cl = &live->con;
	const struct ui_console *uc = &live->o->con;
	char *upto = xmalloc((size_t)end + 1);
	int file;

	(void)start;
	rl_attempted_completion_over = 1;	/* no fallback to readline's own */
	memcpy(upto, rl_line_buffer, (size_t)end);
	upto[end] = '\0';
	cand_clear(cl);
	file = uc->complete != NULL && uc->complete(uc->ctx, upto, add_cand, cl);
	free(upto);
	if (file)
		return rl_completion_matches(text, rl_filename_completion_function);
	return cl->ncand > 0 ? rl_completion_matches(text, next_cand) : NULL;
}

/* readline asks to list the matches (a second Tab): we draw them in the frame. */
static void show_matches(char **matches, int n, int max_len)
{
	struct conline *cl = &live->con;

	(void)max_len;
	matches_clear(cl);
	for (int i = 1; i <= n; i++) {
		if (cl->nmatch == CON_MATCHES_MAX) {
			cl->more++;
			continue;
		}
		cl->match[cl->nmatch++] = xstrdup(matches[i]);
	}
}

void conline_init(struct app *ap)
{
	const struct ui_console *uc = &ap->o->con;

	live = ap;
	if (uc->exec == NULL)
		return;
	setlocale(LC_ALL, "");	/* readline reads the locale for UTF-8 input */
	rl_null = fopen("/dev/null", "w");
	rl_readline_name = "sieve";
	rl_instream = stdin;
	rl_outstream = rl_null;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;	/* curses owns the tty modes */
	rl_deprep_term_function = NULL;
	rl_getc_function = getc_cb;
	rl_input_available_hook = available_cb;
	rl_redisplay_function = redisplay_cb;
	rl_attempted_completion_function = complete_cb;
	rl_completion_display_matches_hook = show_matches;
	/* now, before curses opens the terminal: readline looks its type up once */
	rl_initialize();
	conhist_open(uc->history, HIST_MAX(uc));
}

void conline_done(struct app *ap)
{
	const struct ui_console *uc = &ap->o->con;

	con_free(ap);
	if (uc->exec == NULL)
		return;
	if (ap->con.open)
		close_line(&ap->con);
	conhist_close(uc->history, HIST_MAX(uc));
	cand_clear(&ap->con);
	free(ap->con.cand);
	if (rl_null != NULL)
		fclose(rl_null);
	rl_null = NULL;
	rl_outstream = NULL;
	live = NULL;
}

void conline_open(struct app *ap)
{
	if (ap->o->con.exec == NULL) {
		snprintf(ap->msg, sizeof ap->msg, "no console in this build");
		return;
	}
	if (ap->con.open)
		return;
	ap->con.open = 1;
	ap->msg[0] = 0;
	rl_callback_handler_install(":", on_line);
}

/* The bytes a terminal sends for a curses key; NULL for keys readline does not take. */
static const char *key_bytes(int ch, char *buf)
{
	static const struct {
		int key;
		const char *seq;
	} seqs[] = {
		{KEY_UP, "\033[A"}, {KEY_DOWN, "\033[B"}, {KEY_RIGHT, "\033[C"}, {KEY_LEFT, "\033[D"},
		{KEY_HOME, "\033[H"}, {KEY_END, "\033[F"}, {KEY_DC, "\033[3~"},
		{KEY_BACKSPACE, "\177"}, {KEY_ENTER, "\r"},
	};

	if (ch >= 0 && ch < 256) {
		buf[0] = (char)ch;
		buf[1] = '\0';
		return buf;
	}
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
		if (seqs[i].key == ch)
			return seqs[i].seq;
	return NULL;
}

static void feed(struct conline *cl, const char *bytes, int n)
{
	if (n > (int)sizeof cl->in)
		n = (int)sizeof cl->in;
	memcpy(cl->in, bytes, (size_t)n);
	cl->nin = n;
	cl->inpos = 0;
	matches_clear(cl);	/* the list lasts until the next key */
	while (cl->open && cl->inpos < cl->nin)
		rl_callback_read_char();
	cl->nin = cl->inpos = 0;
}

int conline_key(struct app *ap, int ch)
{
	struct conline *cl = &ap->con;
	char buf[2], seq[8];
	const char *b;

	if (!cl->open)
		return con_pane_key(ap, ch);
	if (ch == KEY_ESC) {
		int next = getch();
		if (next == ERR) {	/* Esc alone: ends a search, else cancels */
			if (RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH)) {
				feed(cl, "\033", 1);
			} else {
				rl_callback_sigcleanup();
				rl_replace_line("", 1);
				close_line(cl);
				conhist_rewind();
			}
			return 1;
		}
		/* Esc then a key: a meta key (M-b, M-f ...) */
		if ((b = key_bytes(next, buf)) != NULL && strlen(b) < sizeof seq - 1) {
			seq[0] = '\033';
			strcpy(seq + 1, b);
			feed(cl, seq, (int)strlen(seq));
		}
		return 1;
	}
	if ((b = key_bytes(ch, buf)) != NULL)
		feed(cl, b, ch == 0 ? 1 : (int)strlen(b));
	return 1;	/* the line has every key while open (resize, mouse: ignored) */
}

/* Columns of the first n bytes of UTF-8 text (a character a column). */
static int cols_of(const char *s, int n)
{
	int c = 0;

	for (int i = 0; i < n && s[i] != '\0'; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Byte offset of column col in s. */
static int byte_at(const char *s, int col)
{
	int i = 0;

	for (int c = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && c++ == col)
			break;
	return i;
}

/* The completion list in columns, in a box just above the status row. */
static void draw_matches(struct app *ap)
{
	struct conline *cl = &ap->con;
	int w = 0, ncol, nrow, shown;
	struct rect r;

	for (int i = 0; i < cl->nmatch; i++)
		if ((int)strlen(cl->match[i]) > w)
			w = (int)strlen(cl->match[i]);
	w += 2;
	ncol = (COLS - 4) / w > 0 ? (COLS - 4) / w : 1;
	nrow = (cl->nmatch + ncol - 1) / ncol;
	if (nrow > LINES / 3)
		nrow = LINES / 3 > 1 ? LINES / 3 : 1;
	shown = nrow * ncol < cl->nmatch ? nrow * ncol : cl->nmatch;
	r = (struct rect){LINES - 3 - nrow, 0, nrow + 2, COLS};
	if (r.y < 0)
		return;
	draw_clear(r);
	draw_box(&ap->lk, r, cl->more + cl->nmatch - shown > 0 ? "Completions (more: type on)"
							     : "Completions", 1);
	for (int i = 0; i < shown; i++)
		draw_text(&ap->lk, r.y + 1 + i % nrow, 2 + (i / nrow) * w, w - 1, R_NORMAL, "%s",
			  cl->match[i]);
}

void conline_draw(struct app *ap)
{
	struct conline *cl = &ap->con;
	const char *prompt, *text;
	int pw, room, point, skip;

	if (!ap->too_small)
		con_pane_draw(ap);
	if (!cl->open) {
		curs_set(0);
		return;
	}
	if (cl->nmatch > 0)
		draw_matches(ap);
	prompt = rl_display_prompt != NULL ? rl_display_prompt : ":";
	text = rl_line_buffer != NULL ? rl_line_buffer : "";
	pw = cols_of(prompt, (int)strlen(prompt));
	room = COLS - pw - 1;
	point = cols_of(text, rl_point);
	/* scroll the text sideways so the cursor stays on screen */
	skip = room > 0 && point >= room ? point - room + 1 : 0;
	attrset(ap->lk.attr[R_NORMAL]);
	mvhline(LINES - 1, 0, ' ', COLS);
	draw_text(&ap->lk, LINES - 1, 0, COLS, R_TITLE, "%s", prompt);
	if (room > 0)
		draw_text(&ap->lk, LINES - 1, pw, room, R_NORMAL, "%s", text + byte_at(text, skip));
	move(LINES - 1, pw + point - skip < COLS ? pw + point - skip : COLS - 1);
	curs_set(1);
}
