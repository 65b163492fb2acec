"""The distillation loss terms."""

import types

import pytest
import torch

from ml.losses import cosine_term, distillation_loss, kl_term


def test_kl_term_is_zero_for_identical_logits():
    logits = torch.randn(8, 2)
    assert kl_term(logits, logits.clone(), temperature=2.0).item() == pytest.approx(0.0, abs=1e-6)


def test_kl_term_scales_by_temperature_squared():
    torch.manual_seed(0)
    s, t = torch.randn(16, 2), torch.randn(16, 2)
    # KL on logits pre-divided by T, without the T^2 factor, is the same as the T=1 term of s/T, t/T.
    for temperature in (1.0, 2.0, 4.0):
        unscaled = kl_term(s / temperature, t / temperature, temperature=1.0)
        assert kl_term(s, t, temperature).item() == pytest.approx(unscaled.item() * temperature**2, rel=1e-5)


def test_kl_term_is_positive_for_different_logits():
    assert kl_term(torch.tensor([[2.0, -2.0]]), torch.tensor([[-2.0, 2.0]]), 2.0).item() > 0.1


def test_cosine_term_is_zero_for_parallel_vectors_and_two_for_opposite():
    v = torch.randn(4, 8)
    assert cosine_term(v, 3 * v).item() == pytest.approx(0.0, abs=1e-6)
    assert cosine_term(v, -v).item() == pytest.approx(2.0, abs=1e-6)


def fake_output(logits, cls_vector):
    hidden = torch.zeros(logits.size(0), 3, cls_vector.size(-1))
    hidden[:, 0] = cls_vector
    return types.SimpleNamespace(logits=logits, hidden_states=(hidden, hidden))


def test_total_is_the_weighted_sum_of_the_three_components():
    torch.manual_seed(1)
    s = fake_output(torch.randn(4, 2), torch.randn(4, 6))
    t = fake_output(torch.randn(4, 2), torch.randn(4, 6))
    labels = torch.tensor([0, 1, 1, 0])
    total, parts = distillation_loss(s, t, labels, temperature=2.0, alpha_cls=0.5, alpha_div=0.3, alpha_cos=0.2)
    expected = 0.5 * parts["cls"] + 0.3 * parts["div"] + 0.2 * parts["cos"]
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)
    assert parts["cls"].item() == pytest.approx(torch.nn.functional.cross_entropy(s.logits, labels).item())


def test_cosine_on_logits_compares_logits_instead_of_hidden_states():
    logits = torch.randn(4, 2)
    s = fake_output(logits, torch.randn(4, 6))
    t = fake_output(logits * 2, torch.randn(4, 6))
    _, on_logits = distillation_loss(
        s, t, torch.zeros(4, dtype=torch.long), temperature=2.0, alpha_cls=1, alpha_div=1, alpha_cos=1, cos_on="logits"
    )
    _, on_hidden = distillation_loss(
        s, t, torch.zeros(4, dtype=torch.long), temperature=2.0, alpha_cls=1, alpha_div=1, alpha_cos=1, cos_on="hidden"
    )
    assert on_logits["cos"].item() == pytest.approx(0.0, abs=1e-6)
    assert on_hidden["cos"].item() > 0.1
