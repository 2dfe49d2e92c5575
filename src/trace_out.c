/* trace_out.c - Chrome trace-event export (see trace_out.h). */
#include "trace_out.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/* The GPU a resource belongs to: names are "gpuN" or "gpuN.something". */
static int resource_gpu(const char *name)
{
	int g = 0;

	return sscanf(name, "gpu%d", &g) == 1 ? g : 0;
}

void trace_begin(struct trace_out *t, FILE *out, const char *path, const struct sim *s)
{
	struct json *j = &t->j;

	t->out = out;
	t->path = path;
	json_init(j, out, 0);
	json_object(j, NULL);
	json_str(j, "displayTimeUnit", "ns");
	json_array(j, "traceEvents");
	for (int r = 0; r < s->eng.nres; r++) {
		json_object(j, NULL);
		json_str(j, "ph", "M");
		json_str(j, "name", "thread_name");
		json_int(j, "pid", resource_gpu(s->eng.res[r].name));
		json_int(j, "tid", r);
		json_object(j, "args");
		json_str(j, "name", s->eng.res[r].name);
		json_end(j);
		json_end(j);
	}
	for (int g = 0; g < s->hw.gpus; g++) {
		char name[32];
		snprintf(name, sizeof name, "GPU %d", g);
		json_object(j, NULL);
		json_str(j, "ph", "M");
		json_str(j, "name", "process_name");
		json_int(j, "pid", g);
		json_object(j, "args");
		json_str(j, "name", name);
		json_end(j);
		json_end(j);
	}
}

void trace_layer(struct trace_out *tr, const struct sim *s, const struct layer_record *r)
{
	struct json *j = &tr->j;

	for (int i = 0; i < r->ntasks; i++) {
		const struct engine_task *t = &r->task[i];
		for (int k = 0; k < t->nres; k++) {
			json_object(j, NULL);
			json_str(j, "ph", "X");
			json_str(j, "name", engine_kind_name(t->kind));
			json_str(j, "cat", engine_kind_name(t->kind));
			json_int(j, "pid", resource_gpu(s->eng.res[t->res[k]].name));
			json_int(j, "tid", t->res[k]);
			json_fixed(j, "ts", t->start_ns / 1e3, 4);
			json_fixed(j, "dur", t->dur_ns / 1e3, 4);
			json_object(j, "args");
			json_int(j, "iter", t->iter);
			json_int(j, "layer", t->layer);
			json_int(j, "micro", t->micro);
			if (t->expert >= 0)
				json_int(j, "expert", t->expert);
			if (t->tokens > 0)
				json_int(j, "tokens", t->tokens);
			json_end(j);
			json_end(j);
		}
	}
}

int trace_end(struct trace_out *t, struct err *e)
{
	json_end(&t->j);
	json_end(&t->j);
	json_finish(&t->j);
	if (fclose(t->out) != 0)
		return err_set(e, "--trace-out: cannot write '%s': %s", t->path, strerror(errno));
	return 0;
}
