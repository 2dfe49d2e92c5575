/* view.c - creating and freeing views (view.h). */
#include "view.h"

#include <stdlib.h>

#include "err.h"

struct view *view_new(const struct view_ops *ops)
{
	struct view *v = xcalloc(1, sizeof *v);

	v->ops = ops;
	v->state = xcalloc(1, ops->state_size);
	return v;
}

void view_free(struct view *v)
{
	if (v == NULL)
		return;
	if (v->ops->release != NULL)
		v->ops->release(v);
	free(v->state);
	free(v);
}
