/* lines.c - console output kept as one text (see lines.h). */
#include "lines.h"

#include <string.h>

#include "err.h"

void lines_keep(void *ctx, const char *line)
{
	struct lines *o = ctx;
	size_t n = strlen(line);

	o->text = xrealloc(o->text, o->len + n + 2);
	memcpy(o->text + o->len, line, n);
	o->len += n;
	o->text[o->len++] = '\n';
	o->text[o->len] = '\0';
}
