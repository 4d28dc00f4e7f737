# Hugging Face `tokenizers` (PyPI, Rust, multi-threaded through rayon) training a byte-level BPE the way
# GPT-2's is built: ByteLevel pre-tokenizer (no prefix space), BpeTrainer with the 256-byte initial
# alphabet. Run by bench/train-bpe-scale.ts in its own process; prints one JSON line. HF's trainer does not
# split special tokens out of the training text (they are only added to the vocabulary), and exposes no
# phase split or distinct-word count, so those are left to the caller to report as n/a.
import json
import resource
import sys
import time

from tokenizers import Tokenizer, models, pre_tokenizers, trainers


def main() -> None:
    path, vocab_size, special = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    t0 = time.perf_counter()
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train([path], trainer)
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    merges = json.loads(tok.to_str())["model"]["merges"]
    print(
        json.dumps(
            {
                "trainSeconds": seconds,
                "cpuSeconds": usage.ru_utime + usage.ru_stime,
                # ru_maxrss is in KiB on Linux.
                "maxRssMb": usage.ru_maxrss * 1024 / 1e6,
                "vocab": tok.get_vocab_size(with_added_tokens=True),
                "merges": len(merges),
            }
        )
    )


if __name__ == "__main__":
    main()
