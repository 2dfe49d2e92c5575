/* console_hist.c - the console line's history file (console_hist.h). */
#include "console_hist.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>

void conhist_open(const char *path, int max)
{
	using_history();
	stifle_history(max);
	if (path != NULL)
		read_history(path);
}

void conhist_add(const char *path, const char *line)
{
	/* not history_get: sim/history.h has one of that name too */
	HIST_ENTRY **list = history_list();
	HIST_ENTRY *last = list != NULL && history_length > 0 ? list[history_length - 1] : NULL;
	int fd;

	if (last != NULL && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (path == NULL)
		return;
	/* append_history does not create the file; the mode is ours, whatever the umask */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0)
		return;	/* an unwritable history is not worth stopping for */
	if (fchmod(fd, 0600) == 0)
		append_history(1, path);
	close(fd);
}

void conhist_rewind(void)
{
	using_history();
}

void conhist_close(const char *path, int max)
{
	if (path != NULL && access(path, F_OK) == 0)
		history_truncate_file(path, max);
	clear_history();
}
