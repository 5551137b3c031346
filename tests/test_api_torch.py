"""The PyTorch-style surface a student brings: tensor methods, creation functions,
autograd.grad, one-element backward, augmented assignment, in-place operations."""

from __future__ import annotations

import numpy as np
import pytest

import adlab


def test_shape_methods_of_both_libraries():
    x = adlab.tensor(np.arange(6.0).reshape(2, 3))
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size == 6  # PyTorch's and numpy's size
    assert x.numel() == 6 and x.dim() == 2 and x.ndim == 2 and x.shape == (2, 3)
    assert x.T.shape == (3, 2) and x.t().shape == (3, 2) and x.mT.shape == (3, 2)
    assert x.ravel().shape == (6,) and x.flatten().shape == (6,) and x.view(3, 2).shape == (3, 2)
    assert x.unsqueeze(0).shape == (1, 2, 3) and x.unsqueeze(-1).squeeze().shape == (2, 3)
    assert x.reshape(1, 6).squeeze(0).shape == (6,) and x.squeeze(dim=0).shape == (2, 3)
    assert x.permute(1, 0).shape == (3, 2) and x.transpose(0, 1).shape == (3, 2)
    assert adlab.ones(2, 3, 4).transpose(0, 2).shape == (4, 3, 2)
    assert x.expand(4, 2, 3).shape == (4, 2, 3) and x[0].expand(2, -1).shape == (2, 3)
    assert x.repeat(2, 1).shape == (4, 3)  # PyTorch's repeat tiles
    np.testing.assert_array_equal(x.repeat_interleave(2, dim=0).numpy()[:, 0], [0, 0, 3, 3])


def test_reductions_with_dim_and_keepdim():
    x = adlab.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], requires_grad=True)
    assert x.sum(1, keepdim=True).shape == (2, 1)
    assert x.sum(dim=0).tolist() == [8.0, 5.0, 9.0]
    assert x.mean(axis=1).tolist() == [8 / 3, 14 / 3]
    assert x.max().item() == 7.0 and x.min().item() == 0.0
    assert x.argmax().item() == 3 and x.argmax(dim=1).tolist() == [1, 0]
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])  # the first of a tie
    x.grad = None
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0], [0.5, 0, 0.5]])  # shared
    assert adlab.max(x, adlab.tensor(3.0)).tolist() == [[3.0, 5.0, 3.0], [7.0, 3.0, 7.0]]


def test_types():
    x = adlab.tensor([1.0, 2.0], requires_grad=True)
    assert x.float().dtype == np.float32 and x.double().dtype == np.float64
    assert x.half().dtype == np.float16 and x.astype(np.float32).dtype == np.float32
    assert x.type(np.float32).dtype == np.float32 and x.to(np.float32).dtype == np.float32
    assert x.to("cpu") is x and x.cpu() is x and x.contiguous() is x
    assert x.long().dtype == np.int64 and not x.long().requires_grad
    c = x.clone()
    assert c.requires_grad and c.grad_fn == "copy"
    (c * c).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_creation_functions():
    assert adlab.ones_like(adlab.tensor([1.0, 2.0])).tolist() == [1.0, 1.0]
    assert adlab.zeros_like(np.ones((2, 2), np.float32)).dtype == np.float32
    assert adlab.full((2,), 3.5).tolist() == [3.5, 3.5] and adlab.full(3, 1.0).shape == (3,)
    assert adlab.full_like(adlab.ones(2), 7.0).tolist() == [7.0, 7.0]
    assert adlab.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert adlab.linspace(0, 1, steps=3).tolist() == [0.0, 0.5, 1.0]
    assert adlab.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]] and adlab.eye(2, 3).shape == (2, 3)
    assert adlab.zeros(2, 3, requires_grad=True).requires_grad
    assert adlab.ones((2, 3), dtype=np.float32).dtype == np.float32
    adlab.manual_seed(3)
    a = adlab.randn(3).tolist()
    b = adlab.rand(2).tolist()
    adlab.manual_seed(3)
    assert adlab.randn(3).tolist() == a and adlab.rand(2).tolist() == b
    n = adlab.normal(0.0, 0.01, (1000,))
    assert abs(n.numpy().std() - 0.01) < 0.002
    assert adlab.normal(0, 1, size=(2, 1), requires_grad=True).requires_grad
    assert adlab.Tensor([-4.0]).double().tolist() == [-4.0]  # PyTorch's legacy constructor


def test_autograd_grad_of_leaves_and_intermediates():
    x = adlab.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    y = (h * 3.0).sum()
    gx, gh = adlab.autograd.grad(y, [x, h], retain_graph=True)
    assert gx.tolist() == [6.0, 12.0] and gh.tolist() == [3.0, 3.0]
    assert x.grad is None  # .grad untouched
    (g,) = adlab.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 12.0] and g.requires_grad
    (h2,) = adlab.autograd.grad(g.sum(), x)
    assert h2.tolist() == [6.0, 12.0]
    (gv,) = adlab.autograd.grad(x * 2.0, x, grad_outputs=adlab.tensor([1.0, 0.5]))
    assert gv.tolist() == [2.0, 1.0]
    z = adlab.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        adlab.autograd.grad((x * 2.0).sum(), [x, z])
    assert adlab.autograd.grad((x * 2.0).sum(), [x, z], allow_unused=True)[1] is None


def test_backward_on_a_one_element_output_of_any_shape():
    for shape in [(1,), (1, 1), (1, 1, 1)]:
        x = adlab.tensor(np.full(shape, -4.0), requires_grad=True)
        (x * x).backward()
        assert x.grad.shape == shape and x.grad.numpy().ravel().tolist() == [-8.0]
    x = adlab.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="gradient="):
        (x * x).backward()


def test_augmented_assignment_on_tensors_that_require_grad():
    a = adlab.tensor(-4.0, requires_grad=True)
    b = adlab.tensor(2.0, requires_grad=True)
    c = a + b
    c += c + 1  # micrograd's test_more_ops
    c += 1 + c + (-a)
    loss = (a * a).sum() * 0.0
    loss += c
    loss += c * c
    loss.backward()
    # c = 4(a + b) + 3 - a = 3a + 4b + 3 = -1; loss = c + c^2, dloss/dc = 1 + 2c = -1
    assert c.item() == -1.0
    assert a.grad.item() == -3.0 and b.grad.item() == -4.0
    w = adlab.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w += 1.0
    acc = adlab.zeros(2)
    acc += adlab.tensor([1.0, 2.0], requires_grad=True) * 2.0  # becomes part of the graph
    assert acc.requires_grad


def test_grad_accumulates_into_the_same_tensor():
    w = adlab.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    held = w.grad
    (w * 3.0).sum().backward()
    assert w.grad is held and held.tolist() == [5.0, 7.0]
    held.zero_()
    assert w.grad.tolist() == [0.0, 0.0]


def test_retain_grad_fills_the_adjoint_of_an_intermediate():
    x = adlab.tensor(2.0, requires_grad=True)
    h = x * x
    h.retain_grad()
    assert h.retains_grad
    y = adlab.sin(h) * 3.0
    y.backward()
    assert h.grad.item() == pytest.approx(3 * np.cos(4.0), rel=1e-15)
    assert x.grad.item() == pytest.approx(3 * np.cos(4.0) * 4.0, rel=1e-15)


def test_in_place_operations_and_their_errors():
    t = adlab.tensor([1.0, 2.0, 3.0])
    t.add_(1.0).mul_(2.0).sub_(adlab.tensor([1.0, 1.0, 1.0]), alpha=2.0).div_(2.0)
    assert t.tolist() == [1.0, 2.0, 3.0]
    t.clamp_(min=1.5)
    assert t.tolist() == [1.5, 2.0, 3.0]
    t[0] = 9.0
    t[1:] = adlab.tensor([0.0, 0.0])
    assert t.tolist() == [9.0, 0.0, 0.0]
    t.copy_(np.array([1.0, 1.0, 1.0]))
    assert t.tolist() == [1.0, 1.0, 1.0]
    adlab.manual_seed(0)
    t.normal_()
    assert t.shape == (3,) and not np.all(t.numpy() == 1.0)
    w = adlab.tensor([1.0], requires_grad=True)
    for op in (lambda: w.add_(1.0), lambda: w.zero_(), lambda: w.__setitem__(0, 1.0)):
        with pytest.raises(RuntimeError, match="requires grad"):
            op()
    with adlab.no_grad():
        w.add_(1.0)
        w[0] = 5.0
    assert w.tolist() == [5.0] and w.requires_grad
    with pytest.raises(ValueError, match="in-place operation keeps the tensor's shape"):
        adlab.tensor([1.0, 2.0]).add_(adlab.ones(2, 2))
    z = adlab.zeros(2)
    with pytest.raises(RuntimeError, match="cannot be\\s+stored in place"):
        z.add_(adlab.tensor([1.0, 2.0], requires_grad=True))


def test_eager_tensor_names_mirror_torch_functions():
    x = adlab.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (adlab.cat([x, x], dim=0).sum() + adlab.stack([x, x]).mean() + adlab.clamp(x, max=2.5).sum()
         + adlab.mm(x, x).trace() + adlab.unsqueeze(x, 0).sum() + adlab.softmax(x, dim=1)[0, 0]
         + adlab.log_softmax(x, dim=-1).sum() + x.logsumexp(dim=1).sum())
    y.backward()
    assert x.grad.shape == (2, 2) and np.all(np.isfinite(x.grad.numpy()))
    g = adlab.grad(lambda v: (adlab.cat([v, v], dim=0).sum() + adlab.stack([v, v]).mean()
                              + adlab.clamp(v, max=2.5).sum() + adlab.mm(v, v).trace()
                              + adlab.unsqueeze(v, 0).sum() + adlab.softmax(v, dim=1)[0, 0]
                              + adlab.log_softmax(v, dim=-1).sum() + v.logsumexp(dim=1).sum()))(
        x.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), g, rtol=1e-14)
