/*
 * fuzz.h: what every libFuzzer harness of tests/fuzz/ shares. Each
 * harness defines LLVMFuzzerTestOneInput (and may define
 * LLVMFuzzerInitialize); libFuzzer (-fsanitize=fuzzer) brings main().
 * A broken property aborts, which libFuzzer reports as a crash and saves
 * the input. See README.md "Fuzzing".
 */
#ifndef HOLDFAST_FUZZ_H
#define HOLDFAST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: property broken: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#endif /* HOLDFAST_FUZZ_H */
