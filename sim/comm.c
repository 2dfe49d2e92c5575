/* comm.c - the expert-parallel all-to-all (see comm.h). */
#include "comm.h"

#include <string.h>

double comm_all_to_all_ns(const struct hw *hw, double bytes)
{
	if (bytes <= 0)
		return 0;
	return hw->a2a_fixed_ns + (hw->gpus - 1) * hw->a2a_peer_ns + bytes / hw->a2a_bw_gbps;
}

double comm_traffic(const int *assign, int top_k, const int *token_gpu, const int *tok, int ntok,
		    int gpus, double token_bytes, double *send, double *recv)
{
	double total = 0;

	memset(send, 0, (size_t)gpus * sizeof *send);
	memset(recv, 0, (size_t)gpus * sizeof *recv);
	for (int i = 0; i < ntok; i++) {
		int t = tok[i], src = token_gpu[t];
		unsigned char sent[HW_MAX_GPUS] = {0};
		for (int j = 0; j < top_k; j++) {
			int dst = assign[t * top_k + j] % gpus;
			if (dst == src || sent[dst])
				continue;
			sent[dst] = 1;
			send[src] += token_bytes;
			recv[dst] += token_bytes;
			total += 2 * token_bytes;
		}
	}
	return total;
}
