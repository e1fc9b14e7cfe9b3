"""PyTorch's training step at the shapes of benches/nvidia/seed-shaped.toml, on a CUDA GPU.

RobertaForMaskedLM with roberta-base sizes and a 32768-token vocabulary, AdamW (eps 1e-8,
weight decay 0.01), batches of 16 x 256 random ids, each row masked at a rate drawn from
U(0, 1) after a 16-token prompt (the linear schedule's training rows). Prints one JSON object
with the median step time and tokens/s; `benches/nvidia.sh` puts it beside unmask's.

    python benches/nvidia/pytorch_train_step.py [--steps 40] [--device cuda]
"""

import argparse
import json
import statistics
import time

import torch
import transformers
from transformers import RobertaConfig, RobertaForMaskedLM

BATCH, BLOCK, PROMPT, VOCAB, MASK_ID = 16, 256, 16, 32768, 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=40, help="timed steps after 10 warm-up steps")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    config = RobertaConfig(
        vocab_size=VOCAB,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=BLOCK + 2,
        type_vocab_size=1,
        layer_norm_eps=1e-5,
        pad_token_id=1,
    )
    model = RobertaForMaskedLM(config).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, eps=1e-8, weight_decay=0.01)
    ids = torch.randint(5, VOCAB, (BATCH, BLOCK), device=device)

    def step() -> None:
        rates = torch.rand(BATCH, 1, device=device)
        masked = torch.rand(BATCH, BLOCK, device=device) < rates
        masked[:, :PROMPT] = False
        labels = torch.where(masked, ids, torch.full_like(ids, -100))
        optimizer.zero_grad(set_to_none=True)
        loss = model(input_ids=ids.masked_fill(masked, MASK_ID), labels=labels).loss
        loss.backward()
        optimizer.step()

    def synchronize() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(10):
        step()
    synchronize()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        synchronize()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "attention": model.config._attn_implementation,
        "median_step_s": median,
        "tokens_per_s": BATCH * BLOCK / median,
    }))


if __name__ == "__main__":
    main()
