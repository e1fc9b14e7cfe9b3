"""The masked-LM plateau in PyTorch: a dev tool behind docs/training.md, not a test.

transformers' RobertaForMaskedLM at a small size (hidden 64, 2 layers, 2 heads), trained with
BERT's 15% masking on a toy byte corpus in which every letter appears twice in a row
("aabbcc..."): a masked letter equals one of its neighbours, so a model that attends by
position gets far below ln 26 = 3.26 nats. It stays at ln 26 for the 150 steps printed here,
as unmask's burn model does (`unmask train` on the same corpus). Run it in the fixture venv
(docs/fixtures.md): `python experiments/pilots/plateau_pytorch.py [initializer_range] [steps]`.
"""

import random
import sys

import torch
from transformers import RobertaConfig, RobertaForMaskedLM


def main() -> None:
    std = float(sys.argv[1]) if len(sys.argv) > 1 else 0.02
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    torch.manual_seed(0)
    rng = random.Random(0)
    letters = "abcdefghijklmnopqrstuvwxyz"
    text = "".join(c * 2 for c in rng.choices(letters, k=200_000))
    ids = [b + 5 for b in text.encode()]  # bytes after 5 special ids, as unmask's byte BPE
    config = RobertaConfig(
        vocab_size=261,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=256,
        max_position_embeddings=66,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        initializer_range=std,
        type_vocab_size=1,
    )
    model = RobertaForMaskedLM(config)
    optim = torch.optim.AdamW(model.parameters(), lr=2e-3, betas=(0.9, 0.98), weight_decay=0.01)
    batch, length, mask_id = 32, 64, 4
    for step in range(steps):
        for group in optim.param_groups:
            group["lr"] = 2e-3 * min(1.0, (step + 1) / 20)
        starts = [rng.randrange(0, len(ids) - length) for _ in range(batch)]
        x = torch.tensor([ids[s : s + length] for s in starts])
        masked = torch.rand(batch, length) < 0.15
        labels = x.clone()
        labels[~masked] = -100
        inputs = x.clone()
        inputs[masked] = mask_id
        loss = model(input_ids=inputs, labels=labels).loss
        optim.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        if step % 10 == 0 or step == steps - 1:
            print(f"step {step:4d}  loss {loss.item():.3f}  (ln 26 = 3.258)", flush=True)


if __name__ == "__main__":
    main()
