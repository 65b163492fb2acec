"""LoRA: only adapters and the head train; base weights never change; artifacts load both ways."""

import torch
from transformers import BertConfig, BertForSequenceClassification

from ml.lora import apply_lora
from tests.support.tiny_bert import tiny_bert


def tiny_model():
    return tiny_bert(layers=2, vocab_size=100, hidden_size=16, max_positions=32)


def wrapped():
    return apply_lora(tiny_model(), r=4, alpha=16, dropout=0.0, target_modules=None)


def test_only_adapter_and_head_parameters_are_trainable():
    model = wrapped()
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable, "nothing trainable"
    for name in trainable:
        assert "lora_" in name or "classifier" in name, name
    assert any("lora_A" in n for n in trainable) and any("classifier" in n for n in trainable)
    # peft's default for BERT adapts query and value
    assert any(".query.lora_A" in n for n in trainable) and any(".value.lora_A" in n for n in trainable)
    assert not any(".key.lora_A" in n for n in trainable)


def test_target_modules_are_configurable():
    model = apply_lora(tiny_model(), r=4, alpha=16, dropout=0.0, target_modules=["key"])
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert any(".key.lora_A" in n for n in names) and not any(".query.lora_A" in n for n in names)


def test_training_steps_change_adapters_and_head_but_not_base_weights():
    model = wrapped()
    base_before = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    trained_before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    inputs = torch.randint(0, 100, (8, 10))
    labels = torch.randint(0, 2, (8,))
    for _ in range(3):
        loss = model(input_ids=inputs, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    for name, p in model.named_parameters():
        if name in base_before:
            assert torch.equal(p, base_before[name]), f"base weight {name} changed"
    changed = [n for n, p in model.named_parameters() if n in trained_before and not torch.equal(p, trained_before[n])]
    assert any("lora_B" in n for n in changed) and any("classifier" in n for n in changed)


def test_under_one_percent_of_a_bert_sized_model_is_trainable():
    config = BertConfig(num_labels=2)  # bert-base shapes, random weights
    model = apply_lora(BertForSequenceClassification(config), r=8, alpha=32, dropout=0.1, target_modules=None)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    assert trainable / total < 0.01
