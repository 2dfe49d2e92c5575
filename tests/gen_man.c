/* gen_man.c - print the man page's console sections (make man). */
#include <stdio.h>

#include "console.h"

int main(void)
{
	console_man(stdout);
	return fflush(stdout) != 0;
}
