/*
 * capacity.h - does a model fit in the GPUs' memory at a batch, context and
 * placement?
 *
 * Per GPU, what a decode run keeps in HBM, for the fullest GPU (bytes):
 * - routed experts it holds: what the placement (place.h) can put on one
 *   GPU per MoE layer, its slots: ceil(experts / G) (linear: expert e on
 *   GPU e mod G, so GPU 0 owns that many), plus the spare slots eplb and
 *   vibe may fill with replicas (place_spare_slots; a recalibration may
 *   fill them at any time, so all are counted), at most experts (a GPU
 *   holds one replica of an expert); each 3 x hidden x expert_inter x
 *   expert_weight_bytes, twice with [pim] attach reserved (one copy in
 *   PIM's channels, one in the GPU's: hbm.h);
 * - replicated weights (attention is data parallel, so every GPU holds
 *   them), at weight_bytes each: the attention projections of every layer
 *   (QKV and O, the same shapes gpu.h charges; linear-attention layers are
 *   counted with the same shapes, as the model files give no others), the
 *   router (hidden x experts per MoE layer), shared experts and dense FFNs;
 * - embeddings and LM head: 2 x vocab x hidden x weight_bytes (none when
 *   a model file gives no vocab; every
 *   preset's checkpoint has them untied); norms and biases are ignored
 *   (under 0.1% of any preset);
 * - KV cache of its sequences (ceil(batch / G), attention is data
 *   parallel): per layer what one decode step reads, gpu_attention_kv_bytes
 *   (gpu.h): context tokens on full layers, the window on sliding ones, the
 *   fixed state on linear ones;
 * - activations, a bound: one layer's input and output alive at once, for
 *   every token-slot that may land on the GPU (batch x min(top_k, experts
 *   it holds)) through the widest expert or dense FFN (hidden + 2 x inter),
 *   at act_bytes, twice; plus FP32 logits of its sequences (vocab x 4 B);
 * - a reserve: mem_reserve x mem_gb for the CUDA context, communication
 *   and GEMM workspaces, CUDA graphs and fragmentation (the hw file cites
 *   vLLM's default gpu_memory_utilization 0.9).
 * Capacity is mem_gb GiB (2^30 bytes); every figure is reported in GiB.
 * A run fits when the sum is at most the capacity.
 */
#ifndef SIEVE_CAPACITY_H
#define SIEVE_CAPACITY_H

#include "err.h"
#include "hw.h"
#include "model.h"

#define CAPACITY_GIB 1073741824.0

struct capacity {
	int expert_slots;		/* experts held per MoE layer */
	double expert_bytes;
	double replicated_bytes;	/* attention, router, shared experts, dense FFNs */
	double embed_bytes;		/* embeddings and LM head */
	double kv_bytes;
	double act_bytes;
	double reserve_bytes;
	double used_bytes;		/* all of the above */
	double capacity_bytes;		/* mem_gb */
	double headroom_bytes;		/* capacity - used; < 0: does not fit */
};

/*
 * The memory of the fullest GPU when `gpus` GPUs of hw run m (see above),
 * spare: the spare slots per GPU its placement may fill
 * (place_spare_slots(policy, spare_slots): 0 for linear).
 */
void capacity_of(const struct model *m, const struct hw *hw, int gpus, int batch, int context,
		 int spare, struct capacity *c);

/*
 * 0 when m fits on hw at batch, context and spare; else -1 and a message
 * with the shortfall and what would fit: the largest batch at this
 * context, the largest context at this batch, the most spare slots below
 * spare, the fewest GPUs of this kind, or the memory per GPU that would do.
 */
int capacity_check(const struct model *m, const struct hw *hw, int batch, int context, int spare,
		   struct err *e);

#endif
