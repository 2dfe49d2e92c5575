/*
 * commands.h - the subcommands of sieve.  Each takes the arguments after
 * its name and returns an exit status (cli.h); errors are printed as
 * "sieve: message" on stderr by the command itself.
 */
#ifndef SIEVE_COMMANDS_H
#define SIEVE_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_ui(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* cli_print_error(msg) and return EXIT_USAGE. */
int cmd_fail(const char *msg);

#endif
