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


def test_max_and_min_take_the_form_of_the_library_the_call_looks_like():
    out = adlab.tensor([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]])
    labels = adlab.tensor([1, 0])
    _, pred = adlab.max(out, 1)  # the CIFAR tutorial's accuracy line
    assert (pred == labels).sum().item() == 2
    assert out.max(1).indices.tolist() == [1, 0] and out.max(1)[0].tolist() == [0.9, 0.8]
    assert out.max(axis=1).tolist() == [0.9, 0.8]  # numpy's and JAX's keyword: the values
    assert np.max(out, 1).tolist() == [0.9, 0.8]  # numpy's own function: the values
    assert adlab.min(out, 0, True)[0].shape == (1, 3)


def test_norm_takes_an_order_first_as_pytorch_and_numpy():
    x = adlab.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], requires_grad=True)
    assert adlab.norm(x, 1).item() == 21.0 and x.norm(1).item() == 21.0
    assert x.norm(float("inf")).item() == 6.0
    assert adlab.norm(x, 2, 1).tolist() == pytest.approx([14 ** 0.5, 77 ** 0.5])
    x.norm(p=1).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.sign(x.detach().numpy()))
    assert adlab.norm(np.array([3.0, 4.0]), 3) == pytest.approx((27 + 64) ** (1 / 3))


def test_requires_grad_of_a_computed_tensor_cannot_be_switched_off():
    x = adlab.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError, match="only leaf tensors.*detach"):
        y.requires_grad = False
    y.requires_grad = True  # unchanged: allowed
    leaf = adlab.tensor([1.0])
    leaf.requires_grad = True
    assert leaf.requires_grad
    with pytest.raises(TypeError, match="floating-point"):
        adlab.tensor([1, 2]).requires_grad = True


def test_bool_and_integer_types_and_masks():
    x = adlab.tensor([1.0, 0.0, 3.0])
    assert x.bool().dtype == np.bool_ and x.bool().tolist() == [True, False, True]
    assert x[x.bool()].tolist() == [1.0, 3.0]
    v = adlab.arange(6.0)
    mask = (v > 1) & (v < 5)
    assert mask.tolist() == [False, False, True, True, True, False]
    assert (~mask).sum().item() == 3 and ((v < 1) | (v > 4)).sum().item() == 2
    assert (v // 2).tolist() == [0, 0, 1, 1, 2, 2] and (7.0 // adlab.tensor(2.0)).item() == 3.0
    assert v.masked_fill(v > 3, 0.0).tolist() == [0, 1, 2, 3, 0, 0]
    assert v.eq(2.0).sum().item() == 1 and v.gt(3.0).sum().item() == 2
    assert adlab.isnan(adlab.tensor([1.0, np.nan])).tolist() == [False, True]
    assert adlab.nonzero(adlab.tensor([0.0, 2.0, 0.0, 1.0])).tolist() == [[1], [3]]


def test_pytorch_type_and_device_names():
    assert adlab.float is np.float32 and adlab.long is np.int64 and adlab.double is np.float64
    assert adlab.tensor([1.0], dtype=adlab.float).dtype == np.float32
    assert adlab.zeros(2, device="cpu").shape == (2,) and adlab.device("cpu") == "cpu"
    assert adlab.ones(2).to(adlab.device("cpu")).tolist() == [1.0, 1.0]
    assert not adlab.cuda.is_available()
    with pytest.raises(ValueError, match="CPU"):
        adlab.ones(2, device="cuda")
    with pytest.raises(ValueError, match="CPU"):
        adlab.ones(2).to("cuda")
    assert adlab.Tensor([1, 2]).dtype == np.float64  # PyTorch's Tensor(list) is float too
    assert adlab.full((2,), 3).dtype == np.int64  # an int fill gives ints, as in PyTorch


def test_function_forms_of_the_methods():
    x = adlab.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert adlab.transpose(x, 0, 1).shape == (3, 2) and adlab.permute(x, (1, 0)).shape == (3, 2)
    assert adlab.transpose(adlab.ones(2, 3, 4), (2, 0, 1)).shape == (4, 2, 3)
    assert adlab.clip(x, min=2.0).tolist()[0] == [2.0, 2.0, 3.0]
    assert adlab.add(x, x, alpha=2).tolist()[0] == [3.0, 6.0, 9.0]
    assert x.add(1.0).tolist()[0] == [2.0, 3.0, 4.0] and x.sub(x, alpha=0.5).sum().item() == 10.5
    assert adlab.einsum("ij->j", [x]).tolist() == [5.0, 7.0, 9.0]
    with pytest.raises(ValueError, match="expand_dims: axis 5 is out of range"):
        x.unsqueeze(5)


def test_grad_fn_is_a_walkable_name():
    a = adlab.tensor([2.0, 3.0], requires_grad=True)
    b = adlab.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2  # PyTorch's "A Gentle Introduction to torch.autograd"
    assert Q.grad_fn == "sub" and Q.grad_fn.name() == "sub"
    assert Q.grad_fn.next_functions == (("mul", 0), ("pow", 0))
    assert Q.grad_fn.next_functions[0][0].next_functions == ((None, 0), ("pow", 0))
    assert (a ** 2).grad_fn.next_functions == (("AccumulateGrad", 0), (None, 0))
    Q.backward(gradient=adlab.tensor([1.0, 1.0]))
    assert a.grad.tolist() == [36.0, 81.0] and b.grad.tolist() == [-12.0, -8.0]


def test_autograd_function_on_custom_vjp():
    class MyReLU(adlab.autograd.Function):  # PyTorch's "Defining new autograd functions"
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * (x > 0)

    x = adlab.tensor([-1.0, 2.0, 0.5], requires_grad=True)
    y = MyReLU.apply(x)
    assert y.tolist() == [0.0, 2.0, 0.5]
    (y * 3.0).sum().backward()
    assert x.grad.tolist() == [0.0, 3.0, 3.0]
    np.testing.assert_array_equal(adlab.grad(lambda v: MyReLU.apply(v).sum())(np.array([-1.0, 1.0])),
                                  [0.0, 1.0])


def test_no_grad_without_parentheses_and_autograd_backward():
    @adlab.no_grad
    def double(v):
        return v * 2.0

    a = adlab.tensor(1.0, requires_grad=True)
    assert not double(a).requires_grad and adlab.is_grad_enabled()
    with adlab.inference_mode():
        assert not adlab.is_grad_enabled()
    x = adlab.tensor([1.0, 2.0], requires_grad=True)
    adlab.autograd.backward([(x * x).sum(), (x * 3.0).sum()])
    assert x.grad.tolist() == [5.0, 7.0]


def test_everyday_tensor_functions():
    x = adlab.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], requires_grad=True)
    v, i = x.sort(dim=1)
    assert v.tolist() == [[1, 2, 3], [0, 4, 5]] and i.tolist() == [[1, 2, 0], [0, 2, 1]]
    assert adlab.sort(x.detach(), axis=1).tolist() == [[1, 2, 3], [0, 4, 5]]  # numpy: values
    top, idx = x.topk(2)
    assert top.tolist() == [[3, 2], [5, 4]] and idx.tolist() == [[0, 2], [1, 2]]
    top.sum().backward()
    assert x.grad.tolist() == [[1, 0, 1], [0, 1, 1]]
    assert [p.shape for p in x.split(2, dim=1)] == [(2, 2), (2, 1)]
    assert [p.shape for p in x.chunk(2)] == [(1, 3), (1, 3)] and len(x.unbind(1)) == 3
    assert x.flip(1).tolist()[0] == [2, 1, 3] and adlab.flip(x, 0).tolist()[0] == [0, 5, 4]
    assert adlab.tril(adlab.ones(3, 3)).sum().item() == 6 and adlab.ones(3, 3).triu(1).sum().item() == 3
    assert x.gather(1, adlab.tensor([[2], [0]])).tolist() == [[2.0], [0.0]]
    assert x.index_select(1, adlab.tensor([0, 2])).shape == (2, 2)
    assert adlab.bmm(adlab.ones(2, 2, 3), adlab.ones(2, 3, 4)).shape == (2, 2, 4)
    assert adlab.mv(adlab.ones(2, 3), adlab.ones(3)).tolist() == [3.0, 3.0]
    assert adlab.hstack([adlab.ones(2), adlab.zeros(1)]).tolist() == [1, 1, 0]
    assert adlab.vstack([adlab.ones(2), adlab.zeros(2)]).shape == (2, 2)
    assert adlab.allclose(adlab.ones(2), np.ones(2)) and adlab.equal(adlab.ones(2), adlab.ones(2))
    assert adlab.numel(x) == 6 and adlab.is_tensor(x) and x.nelement() == 6
    assert adlab.reciprocal(adlab.tensor([4.0])).item() == 0.25 and adlab.tensor([4.0]).rsqrt().item() == 0.5


def test_nn_functional_against_closed_forms():
    import adlab.nn.functional as F

    z = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
    target = np.array([1, 2])
    x = adlab.tensor(z, requires_grad=True)
    loss = F.cross_entropy(x, adlab.tensor(target))
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    assert loss.item() == pytest.approx(-logp[[0, 1], target].mean(), rel=1e-14)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), (np.exp(logp) - np.eye(3)[target]) / 2, rtol=1e-13)
    assert F.one_hot(adlab.tensor([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
    assert F.mse_loss(adlab.tensor([1.0, 2.0]), adlab.tensor([0.0, 0.0])).item() == 2.5
    big = adlab.tensor([1000.0, -1000.0])
    assert F.softplus(big).tolist() == [1000.0, 0.0]  # no overflow
    bce = F.binary_cross_entropy_with_logits(adlab.tensor([0.0]), adlab.tensor([1.0]))
    assert bce.item() == pytest.approx(np.log(2.0), rel=1e-15)
    W, b = np.ones((2, 3)), np.zeros(2)
    np.testing.assert_array_equal(F.linear(np.ones(3), W, b), [3.0, 3.0])


def test_random_creation_functions_and_new_tensors():
    adlab.manual_seed(7)
    a = adlab.randint(0, 10, (5,))
    assert a.dtype.kind == "i" and a.shape == (5,) and 0 <= a.min().item() and a.max().item() < 10
    assert sorted(adlab.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    x = adlab.ones(2, 3, dtype=adlab.float)
    assert adlab.randn_like(x).shape == (2, 3) and adlab.randn_like(x).dtype == np.float32
    assert 0 <= adlab.rand_like(x).min().item() and adlab.rand_like(x).max().item() < 1
    assert x.new_zeros(4).dtype == np.float32 and x.new_ones((2,)).tolist() == [1.0, 1.0]
    assert x.new_full((2,), 3.0).tolist() == [3.0, 3.0] and x.new_tensor([1, 2]).dtype == np.float32
