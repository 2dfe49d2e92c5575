/*
 * layout.c - where the panels go for the terminal's size: a title line, a
 * status line, Experts over Timeline on the left, Stats, Histogram and
 * Banks on the right.  The Timeline gets the rows its lanes need (more
 * with compare on), the Experts panel the rest.  Recomputed from LINES and
 * COLS on every frame, so a resize re-lays out at once.
 */
#include "app.h"

static struct rect rect(int y, int x, int h, int w)
{
	struct rect r = {y, x, h, w};
	return r;
}

int layout(struct app *ap, int lines, int cols)
{
	/* the right column is at least as wide as the Stats lines */
	int body = lines - 2, right = cols * 38 / 100 < 38 ? 38 : cols * 38 / 100;
	int left = cols - right, runs = ap->cmp_on ? 2 : 1, lanes = timeline_lanes(&ap->a);
	int timeline = runs * (lanes + 1) + 3, experts;
	int stats = body / 2 < 18 ? body / 2 : 18;
	int hist = (body - stats) / 2 < 12 ? (body - stats) / 2 : 12;

	if (lines < UI_MIN_LINES || cols < UI_MIN_COLS)
		return 0;
	if (timeline > body * 60 / 100)
		timeline = body * 60 / 100;
	if (timeline < body * 35 / 100)
		timeline = body * 35 / 100;
	experts = body - timeline;
	ap->view[P_EXPERTS]->r = rect(1, 0, experts, left);
	ap->view[P_TIMELINE]->r = rect(1 + experts, 0, body - experts, left);
	ap->view[P_STATS]->r = rect(1, left, stats, right);
	ap->view[P_HISTOGRAM]->r = rect(1 + stats, left, hist, right);
	ap->view[P_BANKS]->r = rect(1 + stats + hist, left, body - stats - hist, right);
	return 1;
}
