r"""
训练集、验证集与测试集
======================

:doc:`plot_05_logistic_regression` 手写循环训练了两次逻辑回归，两次都沿用本课程
所依据的那篇文章的停止规则：第一次测得*训练*准确率超过 99% 时停止。本篇先用辅助包
``pytorch_notes`` 中的训练函数 ``fit`` 运行同一个循环，再用值得养成的习惯取代那条
规则：由:term:`验证集`决定何时停止，由:term:`测试集`在最后对选定的模型做一次评估。

阅读本篇之前，需要先读过 :doc:`plot_05_logistic_regression`（数据、模型与训练
循环）和 :doc:`plot_04_autograd_traps`（``torch.no_grad()``）。
"""

# SPDX-License-Identifier: MIT

# %%
# 把循环写成函数
# --------------
#
# ``pytorch_notes.training.fit`` 运行的就是教程 05 的循环（前向传播、损失、
# ``backward()``、``optimizer.step()``、``optimizer.zero_grad()``）。它把每次
# 迭代的损失、准确率和参数记在返回的 ``History`` 里，并且每 ``eval_every`` 次迭代
# （这里是 20）评估一次模型，记在 ``history.evaluations`` 里。本页要多次调用它，损失函数（``nn.BCELoss``）、优化器
# 设置（``SGD``，学习率 0.01，动量 0.9）和训练数据都与教程 05 相同，所以用一个
# 小函数 ``train`` 把这些固定下来。从同一个种子出发，沿用那篇文章的停止规则（训练
# 数据上的 ``accuracy_above(0.99)``），它的评估记录里正是教程 05 表格里的数字
# （下面每 100 次迭代打印一行），停止的位置也和教程 05 一样。

import itertools

import matplotlib.pyplot as plt
import torch
from torch import nn

from pytorch_notes.data import two_gaussians
from pytorch_notes.i18n import use_language
from pytorch_notes.models import LogisticRegression
from pytorch_notes.training import accuracy_above, fit

LANG = "zh"  # 图中文字的语言
lang = use_language(LANG)


def train(model, data, **options):  # 用教程 05 的损失函数和优化器调用 fit
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return fit(model, nn.BCELoss(), optimizer, data, eval_every=20, **options)


torch.manual_seed(1)
x, y = two_gaussians()  # 教程 05 的 200 个训练点
model = LogisticRegression()  # 即教程 05 的 LogReg 类，放在辅助包里
history = train(model, (x, y), max_iterations=1000, stop_when=accuracy_above(0.99))
print("iteration   loss     accuracy")
for e in history.evaluations[::5]:
    print(f"{e.iteration:>9}   {e.loss:.4f}   {e.accuracy:.3f}")
last = history.evaluations[-1]
print(f"fit: stop iteration = {history.last_iteration}, accuracy = {last.accuracy:.3f}")
assert (history.last_iteration, last.accuracy) == (540, 0.995)

from pytorch_notes.plotting import plot_curves

fig = plot_curves(history, target_accuracy=0.99, lang=lang)
plt.show()

accuracy = history.accuracy  # 每次迭代一个值，即上图的曲线
early = max(range(20), key=lambda i: accuracy[i])
first_98 = next(i for i, a in enumerate(accuracy) if a >= 0.98)
first_99 = next(i for i, a in enumerate(accuracy) if a >= 0.99)
print(
    f"per iteration: {accuracy[early]:.3f} at iteration {early}, {accuracy[20]:.3f} at 20; "
    f"first >= 0.98 at {first_98}, first >= 0.99 at {first_99}"
)
assert (early, accuracy[early], accuracy[20], first_98, first_99) == (7, 0.965, 0.94, 106, 332)

# %%
# 曲线在第 7 次迭代就跳到 96.5%，在直线继续转动的过程中又回落到 94%，随后
# 回升：从第 106 次迭代起达到 98%，从第 332 次迭代起达到 99%（错两个点）。
# 每 20 次迭代检查一次，直到第 540 次迭代才第一次测得超过 99%。
#
# 三份数据
# --------
#
# 训练准确率超过 99% 就停止，是那篇文章的规则，不宜沿用。训练准确率是在
# 模型拟合的那些点上测的，对新的点说明不了多少；如果数据没法被一条直线分得这么
# 干净，它永远超不过 99%，训练总是一直跑到 1000 次迭代的上限（见练习 1）；而 99% 这个数本身
# 也是一个选择，做这个选择时也没有参考任何留出的数据。值得养成的习惯是分成三份：
# :term:`训练集`提供梯度；:term:`验证集`从不参与训练，用来决定何时停止（以及学习率、
# 阈值等其他选择）；:term:`测试集`只在最后对选定的模型评估一次。
#
# 实际的数据通常是一整份，要一次性切成这三份。切分之前先打乱顺序：数据文件常常是
# 排好序的，``two_gaussians`` 也是先返回全部类别 0 的点，按原顺序每 200 个切一段，
# 第一段全是类别 0，最后一段全是类别 1（见下面的输出）。用设定了种子的生成器调用
# ``torch.randperm``，得到的顺序可以复现；``Dataset`` 则可以用
# ``torch.utils.data.random_split`` 做同样的事。有三种情况不能只把所有行一起打乱：
# 按时间排列的数据要按时间切分；同一个体（如同一用户、同一病人）有多行的数据，要按
# 个体整组切分（逐行打乱会把未来的信息或同一个体的其他行泄漏进训练集）；类别很不
# 平衡时，要在每个类别内部分别打乱再切分（分层切分），让每一份都保持各类别所占的
# 比例。scikit-learn 提供了这些切分工具：``TimeSeriesSplit``、``GroupShuffleSplit``
# 和 ``train_test_split(..., stratify=y)``（前两个默认给出 5 组训练/测试划分；只需要划分
# 一次时，可以直接按时间顺序切片，或给 ``GroupShuffleSplit`` 传 ``n_splits=1``；每次划分只
# 分成两份，要分成三份就得划分两次）。

pool_x, pool_y = two_gaussians(300, generator=torch.Generator().manual_seed(4))  # 600 个点
order = torch.randperm(len(pool_y), generator=torch.Generator().manual_seed(5))
for name, rows in (("in order", torch.arange(len(pool_y))), ("shuffled", order)):
    shares = " ".join(f"{pool_y[part].mean():.2f}" for part in rows.split(200))
    print(f"class-1 share of three slices of 200, {name}: {shares}")
train_rows, val_rows, test_rows = order.split(200)  # 用 pool_x[train_rows] 等取出三份
assert pool_y[:200].sum() == 0 and (pool_y[test_rows].mean() - 0.5).abs() < 0.1

# %%
# 而我们的数据是按固定方法生成的，可以直接再生成新的点：各用一个独立的随机数生成器，得到 200 个验证点
# 和 200 个测试点，并把验证集交给 ``fit``：这样每次评估也会测验证损失和验证准确率，
# ``history.best_evaluation`` 就是验证损失最低的那次评估。``early_stopping(patience=5, min_delta=0.005)`` 的含义是：
# 如果验证损失连续 5 次评估（100 次迭代）都没有比最近一次计为改进时的值再降低
# 0.005 以上，就停止训练。``patience`` 和 ``min_delta`` 本身也是人为的选择：它们权衡的
# 是计算量与损失最后那千分之几的下降，应当在验证集上定，绝不能参考测试集。

import copy

from pytorch_notes.training import early_stopping

val_x, val_y = two_gaussians(generator=torch.Generator().manual_seed(2))
test_x, test_y = two_gaussians(generator=torch.Generator().manual_seed(3))

torch.manual_seed(1)
x, y = two_gaussians()  # 训练集，与上面相同
model = LogisticRegression()
longer = copy.deepcopy(model)  # 同样的初始参数，留给下面更长的一次训练
stop = early_stopping(patience=5, min_delta=0.005)
history = train(model, (x, y), validation=(val_x, val_y), max_iterations=1000, stop_when=stop)
best = history.best_evaluation
print(
    f"stopped after iteration {history.last_iteration}; lowest validation loss "
    f"{best.val_loss:.4f} at iteration {best.iteration}, validation accuracy {best.val_accuracy:.3f}"
)
print("validation loss every 100 iterations:", " ".join(f"{v:.4f}" for v in history.val_loss[::5]))
assert all(a > b for a, b in itertools.pairwise(history.val_loss))  # 从不回升
assert history.last_iteration == best.iteration == 560
# 从第 460 次迭代（最后一次计为改进的评估）算起
fall = history.val_loss[-6] - history.val_loss[-1]
print(f"validation loss fell {fall:.5f} over the last 100 iterations (min_delta 0.005)")
assert 0 < fall < 0.005

long_run = train(longer, (x, y), validation=(val_x, val_y), max_iterations=3000)
end = long_run.evaluations[-1]
print(
    f"trained on to iteration {end.iteration}: validation loss {end.val_loss:.4f}, "
    f"validation accuracy {end.val_accuracy:.3f}"
)
assert end.val_loss < best.val_loss / 2 and end.val_accuracy > best.val_accuracy

fig = plot_curves(history, lang=lang)
plt.show()

# %%
# 这里验证损失每次评估都在下降，从未回升：两团点几乎不重叠，模型只有三个参数，
# 没有多少可以:term:`过拟合`的余地。:term:`早停`在第 560 次迭代结束了训练，
# 但此时验证损失仍在下降：最后 100 次迭代降了 0.00466，刚好不足 ``min_delta``（0.005）。停在这里是
# 阈值决定的，而不是数据决定的：继续训练下去（最后一次评估在第 2980 次迭代），
# 同一个模型的验证损失降到 0.0171，不到原来的一半，验证准确率也从 98.5% 升到
# 99.5%。花五倍的迭代次数换这点提升值不值得，正是 ``patience`` 和 ``min_delta``
# 要决定的。如果模型能够过拟合，验证损失会先降到谷底再回升，
# ``history.best_evaluation`` 保存的就是谷底处的参数。
#
# 直到这时才第一次动用测试集：把验证损失最低那次评估的参数载入模型，评估一次。
# 这次载入必不可少：``fit`` 不会恢复任何参数，返回时模型停留在最后一次更新之后
# 的状态（第 560 次迭代的更新，发生在那次评估之后）。
# ``load_state_dict`` 按名字把张量复制到模型的参数和:term:`缓冲区`里；评估记录只保存
# 参数，这里够用，是因为这个模型没有缓冲区（如果模型有持久（persistent）缓冲区，也就是
# 会存进 ``state_dict()`` 的缓冲区，比如 BatchNorm 的滑动平均统计量
# ``running_mean``、``running_var``，载入就会因缺少键而报错）。这次测量在评估模式（``model.eval()``）下、
# ``torch.no_grad()`` 里进行：前者把 dropout 之类的层切换到评估时的行为（这个模型
# 没有这类层），后者停止记录计算图，
# 因为不需要梯度（两者以及 ``torch.inference_mode()`` 的比较见
# :doc:`plot_04_autograd_traps`）。

assert not list(model.buffers())  # 它的全部状态都在 best.parameters 里
# fit 不会恢复参数：模型里是最后一次更新后的参数
assert not torch.equal(model.features.weight, best.parameters["features.weight"])
model.load_state_dict(best.parameters)
model.eval()
with torch.no_grad():
    p_test = model(test_x).squeeze(1)
test_acc = (p_test.ge(0.5).float() == test_y).sum().item() / test_y.size(0)
print(
    f"test accuracy = {test_acc:.3f} (validation {best.val_accuracy:.3f}, training {best.accuracy:.3f})"
)
assert test_acc == 1  # 测试集上没有分错的点，因此：
upper = 1 - 0.05 ** (1 / test_y.size(0))  # 使 (1 - p) ** 200 = 0.05 的错误率 p
print(f"0 errors in {test_y.size(0)}: error rate below {upper:.1%} (95% confidence)")

# %%
# 测试集上没有分错的点，验证集上错了三个，训练集上错了一个。每份 200 个点，
# 一个点就是半个百分点，所以三个准确率之间的差别只是小样本的波动。即使 200 个点
# 一个都没错，也只能以 95% 的置信度说错误率低于 1.5%（最后一行；约为 3/200，即
# “三法则”）。应当报告的是测试集上的数字，因为没有任何决定参考过它。
#
# 小结
# ----
#
# - ``fit`` 运行的就是教程 05 的循环，并记录每次迭代；沿用那篇文章的规则时，它和
#   教程 05 一样在第 540 次迭代停止。
# - 按*训练*准确率停止是那篇文章的规则，不宜当作习惯：:term:`训练集`提供梯度，
#   :term:`验证集`决定何时停止（``fit(..., validation=...,
#   stop_when=early_stopping(...))``；这里在第 560 次迭代停止，是 ``min_delta``
#   在损失仍在下降时做出的决定），:term:`测试集`只在最后用一次（这里是 100%，
#   验证集上是 98.5%），先调用 ``model.eval()``，再放在 ``torch.no_grad()`` 里评估。
#
# 练习
# ----
#
# **练习 1.** 只有当某条直线能把超过 99% 的训练点分对时，那篇文章的规则才会触发。用
# ``two_gaussians(mean=1.0, generator=...)`` 生成两团点重叠得更多的训练集和验证集，
# 随机数生成器的种子分别取 11 和 12，用它们训练两个新的 ``LogisticRegression``：
# 一个在训练数据上用 ``accuracy_above(0.99)`` 判断停止，另一个在验证集上早停。
# 两次训练各在哪里停止？
#
# .. _solution-begin:

# %%
# 那篇文章的规则一直跑到 1000 次迭代的上限：训练准确率离 99% 还差得远。早停则会
# 自己结束训练：验证损失的改进一旦不再超过 ``min_delta``，就停下来。

overlap = two_gaussians(mean=1.0, generator=torch.Generator().manual_seed(11))
overlap_val = two_gaussians(mean=1.0, generator=torch.Generator().manual_seed(12))
rules = {
    "accuracy_above(0.99)": {"stop_when": accuracy_above(0.99)},
    "early_stopping": {
        "validation": overlap_val,
        "stop_when": early_stopping(patience=5, min_delta=0.005),
    },
}
for name, options in rules.items():
    torch.manual_seed(1)
    run = train(LogisticRegression(), overlap, max_iterations=1000, **options)
    top = max(e.accuracy for e in run.evaluations)
    print(
        f"{name:<20}  stopped after iteration {run.last_iteration}, best training accuracy {top:.3f}"
    )
    assert (run.last_iteration == 999) == (name == "accuracy_above(0.99)") and top < 0.99

# %%
# .. _solution-end:
#
# **练习 2.** ``min_delta`` 也是一个选择。从同样的起点出发，在同一个验证集上改用
# ``early_stopping(patience=5, min_delta=0.001)``，最多训练 3000 次迭代。训练在
# 哪里停止？验证损失和验证准确率各是多少？要在两种设置之间做选择，可以用哪份数据？
#
# .. _solution-begin:

# %%
# 训练一直进行到第 1320 次迭代，验证损失更低（0.0248，原来是 0.0392），验证准确率
# 更高（99.5%，原来是 98.5%）。在两种设置之间取舍，和决定何时停止一样，都属于
# 要在验证集上做的决定，而且应当在动用测试集之前做完。本页的测试集已经评估过
# ``min_delta`` 为 0.005 的模型：现在改选 0.001，那个 100% 就不再是所选模型的成绩了。
# 值得养成的习惯是：先做完所有选择（停止规则、``min_delta``），再在测试集上对选定的模型
# 评估一次，之后不再据此做任何决定。

torch.manual_seed(1)
x, y = two_gaussians()
patient = LogisticRegression()
stop = early_stopping(patience=5, min_delta=0.001)
patient_run = train(patient, (x, y), validation=(val_x, val_y), max_iterations=3000, stop_when=stop)
chosen = patient_run.best_evaluation
print(
    f"min_delta 0.001: stopped after iteration {patient_run.last_iteration}; validation loss "
    f"{chosen.val_loss:.4f}, validation accuracy {chosen.val_accuracy:.3f}"
)
assert chosen.val_loss < best.val_loss and patient_run.last_iteration > history.last_iteration

# %%
# .. _solution-end:
#
# 下一篇：:doc:`总结梳理 <../../summary>` 把本章内容汇总在一页上。
