"""Every sentence of the 2023 article that states a checkable fact has a claim row, checked.

The article was read sentence by sentence. ``SENTENCES`` lists each checkable one (an excerpt in the
article's words) with the claim rows that check it; ``NOT_CHECKABLE`` lists the others with the
reason. A sentence "states a checkable fact" when it asserts something about a named model, paper,
organisation, number or date that a source or the shipped data can confirm or contradict; judgements
of merit, definitions of terms, links and outlook are not.
"""

from __future__ import annotations

import pytest

import costcalc
from costcalc.commands.checks import ClaimCheck

SENTENCES: list[tuple[str, list[str]]] = [
    # 一、模型基本架构
    ("国内外的大模型普遍为Transformer架构", ["A1"]),
    ("Transformer的整体主要分为Encoder和Decoder两大部分", ["A2"]),
    ("最后用softmax计算序列下一个单词的概率", ["A3"]),
    ("代表模型是GPT和LLaMA,其训练目标是从左到右的文本生成", ["A4"]),
    ("代表模型是BERT、ALBERT 、DeBERTa", ["A5"]),
    ("自编码模型是通过去噪任务(如利用掩码语言模型)学习双向的上下文编码器", ["A6"]),
    ("常用于自然语言理解,如情感分析、提取式问答", ["A6"]),
    ("代表模型是T5、BART和BigBird适用于序列到序列的任务,如机器翻译", ["A7"]),
    ("T5、BART、BigBird", ["A7"]),  # the table's row
    ("大部分大模型采用的方法", ["A8"]),  # the table's row
    ("大模型通常采用仅包含解码器的架构", ["A8"]),
    ("DeBERTa、MAAL", ["A9"]),  # the table's row
    # 2.1 LLaMA-2
    ("LLaMA-2由Meta AI的GenAI团队开发", ["L0a"]),
    ("开放了两个版本,一个是纯无监督训练出来的基础模型", ["L0b"]),
    ("都提供了7B、13B 和70B的三个参数规模的模型", ["L1"]),
    ("2000个A100-80GB,时间从2023年1月到2023年7月", ["L2a", "L2b", "L2c", "L3"]),
    ("LLaMA 70B的模型在许多方面都超越了 ChatGPT-3.5的水平", ["L4"]),
    # 2.2 Baichuan-2
    ("Baichuan 2 是百川智能推出的新一代开源大语言模型", ["B0"]),
    ("采用 2.6 万亿 Tokens 的高质量语料训练", ["B1"]),
    ("取得同尺寸最佳的效果", ["B4"]),
    ("1024个NVIDIA A800 GPUs", ["B2a", "B2b"]),
    ("六个领域的中英文和多语言权威数据集上对模型进行了广泛测试", ["B5"]),
    ("Baichuan-2-7B模型还开放了中间的11个 Checkpoints", ["B3"]),
    # 2.3 Falcon
    ("由阿布扎比(Abu Dhabi)的技术创新研究院(TII)开发和训练,于2023年9月发布", ["F1a", "F1b"]),
    ("它是继Falcon-40B之后,TII推出的第二个开源大语言模型", ["F5"]),
    ("也是目前世界上最大的开源开放大模型", ["F6"]),
    ("进行训练的Chat模型Falcon-180B-chat", ["F7", "F7b"]),
    ("约为 LLaMA-2-70B 的4倍", ["F2"]),
    ("估计超过8000万美元", ["F3a", "F3b"]),
    ("在 MMLU 表现上超越了 LLaMA-2-70B、ChatGPT-3.5", ["F4"]),
    ("与谷歌的 PaLM 2-Large 不相上下", ["F8"]),
    # 2.4 BLOOM
    ("BigScience Large Open-science Open-access Mul-tilingual Language Model首字母的缩写", ["BL0a"]),
    ("基于变换器网络(Transformer)架构的自回归语言模型", ["BL0b"]),
    ("也是第一个开源开放的超过100B的语言模型", ["BL1"]),
    ("训练时间3.5月", ["BL2b"]),
    ("花费1,082,990计算小时", ["BL2a", "BL2c"]),
    ("48个节点,每个节点包括用4个NVLink互联的8块NVIDIA A100 80GB GPUs", ["BL3"]),
    ("应该是一台Nvidia DGX A100或类似的", ["BL4"]),
    ("2x AMD EPYC 7543 32-Core CPUs 和 512GB内存,一共384 A100 GPUs", ["BL3"]),
    ("训练中预留了4个节点备用", ["BL3"]),
    ("BLOOM还使用了13种编程语言", ["BL5"]),
]

#: The article's other sentences, and why none of them states a checkable fact.
NOT_CHECKABLE: list[tuple[str, str]] = [
    ("大模型技术在人工智能领域取得了巨大的进展和突破", "judgement of the field's progress"),
    ("转眼间,2023年已结束", "the date of writing, not a fact about the models"),
    ("模型的基座设计大体上可以分为以下三种", "a way of grouping; each group's facts are A4, A5, A7"),
    ("AR模型从一系列time steps中学习", "definition of autoregression"),
    ("在长文本的生成能力很强,擅长于摘要生成、翻译、对话生成、故事生成等", "judgement of merit, no measure"),
    ("编码器负责将输入序列编码成一个上下文表示", "definition (the Transformer's data flow is A3)"),
    ("这种结构在翻译等任务中表现良好", "judgement of merit"),
    ("生成过程天然自回归 / 能够学习输入数据的紧凑表示 / 充分利用了上下文信息", "the table's judgements of merit"),
    ("Falcon-180B的目标是为研究者和商业用户提供", "a stated aim"),
    ("Falcon-180B效果上表现很不错", "judgement; its facts are F4 and F8"),
    ("模型会学习数十亿个单词和短语之间的统计学关联", "how language models work in general"),
    ("论文地址 / 仓库地址", "links, not statements"),
    ("在这个瞬息万变的技术时代 / 2024年,期待更多的开源项目涌现", "outlook"),
    ("个人简介 / 个人主页 / 相关文章", "the author's page and the site's links"),
]


@pytest.fixture(scope="module")
def results() -> dict[str, ClaimCheck]:
    return {r.id: r for r in costcalc.check_article()}


@pytest.mark.parametrize(("excerpt", "ids"), SENTENCES, ids=[ids[0] for _, ids in SENTENCES])
def test_every_checkable_sentence_has_a_row_with_a_verdict(
    results: dict[str, ClaimCheck], excerpt: str, ids: list[str]
) -> None:
    assert all(i in results for i in ids), [i for i in ids if i not in results]
    assert any(excerpt in results[i].claim for i in ids), f"no row quotes {excerpt!r}"
    for i in ids:
        r = results[i]
        assert r.verdict in ("consistent", "inconsistent", "unverifiable", "implausible")
        assert r.reason and r.deciding and r.tolerance and r.source, i


def test_every_row_checks_a_listed_sentence(results: dict[str, ClaimCheck]) -> None:
    listed = {i for _, ids in SENTENCES for i in ids}
    assert set(results) == listed


def test_no_sentence_is_both_checked_and_set_aside() -> None:
    checked = " ".join(excerpt for excerpt, _ in SENTENCES)
    for excerpt, reason in NOT_CHECKABLE:
        assert reason
        for part in excerpt.split(" / "):
            assert part not in checked, part
