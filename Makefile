# sieve - build, test and benchmark.  See README.md.
#
#   make          build ./sieve
#   make run      build and start the terminal UI
#   make check    build and run the tests (CUnit runner + command-line tests)
#   make asan     the same tests built with -fsanitize=address,undefined
#   make valgrind the CUnit tests under valgrind --error-exitcode=1
#   make bench    benchmarks (throughput of the models; figures, not pass/fail)

CC       = gcc
PKG     ?= pkg-config
CPPFLAGS = -D_POSIX_C_SOURCE=200809L
# Each folder sees only the folders below it, so the compiler enforces the
# layering sim <- ui <- src: sim/ knows no terminal, ui/ never includes src/.
SIM_INC  = -Isim
UI_INC   = -Isim -Iui
SRC_INC  = -Isim -Iui -Isrc
CFLAGS   = -std=c11 -Wall -Wextra -Werror -O2 -g -pthread
CURSES_CFLAGS := $(shell $(PKG) --cflags ncursesw 2>/dev/null)
CURSES_LIBS   := $(shell $(PKG) --libs ncursesw 2>/dev/null || echo -lncursesw)
CUNIT_LIBS    := $(shell $(PKG) --libs cunit 2>/dev/null || echo -lcunit)
LIBS     = $(CURSES_LIBS) -lreadline -lm

BUILD   ?= build
SIM_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(wildcard sim/*.c))
SRC_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(filter-out src/main.c,$(wildcard src/*.c)))
LIB_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(filter-out src/main.c src/cmd_%.c,$(wildcard src/*.c)))
UI_OBJ   = $(patsubst %.c,$(BUILD)/%.o,$(wildcard ui/*.c))
TEST_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/test_*.c) tests/runner.c tests/testutil.c)
BENCH    = $(patsubst tests/%.c,$(BUILD)/%,$(wildcard tests/bench_*.c))

.PHONY: all run check asan valgrind bench clean cunit
all: sieve

sieve: $(BUILD)/sieve
	cp $< $@

$(BUILD)/sieve: $(BUILD)/src/main.o $(SRC_OBJ) $(UI_OBJ) $(SIM_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/runner: $(TEST_OBJ) $(LIB_OBJ) $(SIM_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(CUNIT_LIBS) -lm

$(BUILD)/bench_ui: $(BUILD)/tests/bench_ui.o $(UI_OBJ) $(SIM_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(CURSES_LIBS) -lm

$(BUILD)/bench_%: $(BUILD)/tests/bench_%.o $(SIM_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ -lm

# sim/ must never see curses or readline: it is compiled without their flags.
$(BUILD)/sim/%.o: sim/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(SIM_INC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/ui/%.o: ui/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(UI_INC) $(CURSES_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(SRC_INC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(SRC_INC) -Itests $(CURSES_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

run: sieve
	./sieve

# CUnit is installed on demand: as root with apt-get, else say how.
cunit:
	@if ! $(PKG) --exists cunit 2>/dev/null && [ ! -f /usr/include/CUnit/CUnit.h ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "make: installing CUnit (libcunit1-dev)"; \
			apt-get update && apt-get install -y libcunit1-dev || exit 1; \
		else \
			echo "make: CUnit is missing; install it with: sudo apt-get install -y libcunit1-dev" >&2; \
			exit 1; \
		fi; \
	fi

check: cunit
	@$(MAKE) --no-print-directory sieve $(BUILD)/tests/runner
	$(BUILD)/tests/runner
	SIEVE=$(CURDIR)/$(BUILD)/sieve bash tests/cli.sh
	SIEVE=$(CURDIR)/$(BUILD)/sieve bash tests/ui.sh

asan: cunit
	@$(MAKE) --no-print-directory BUILD=build-asan \
		CFLAGS="-std=c11 -Wall -Wextra -Werror -O1 -g -pthread -DSIEVE_CHECK -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		build-asan/sieve build-asan/tests/runner
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build-asan/tests/runner
	ASAN_OPTIONS=detect_leaks=1 SIEVE=$(CURDIR)/build-asan/sieve bash tests/cli.sh
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		SIEVE=$(CURDIR)/build-asan/sieve UI_TIMEOUT=60 bash tests/ui.sh

valgrind: cunit
	@$(MAKE) --no-print-directory $(BUILD)/tests/runner
	valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/runner

bench: $(BENCH) sieve
	@for b in $(BENCH); do echo "== $$b"; $$b || exit 1; done

clean:
	rm -rf build build-asan sieve

-include $(shell find build build-asan -name '*.d' 2>/dev/null)
