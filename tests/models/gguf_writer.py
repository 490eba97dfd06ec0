"""Write a tiny Llama-architecture GGUF file with the `gguf` package (no download, in tests).

The weights come from a tiny HF Llama model built in code, written the way llama.cpp's converter
writes them (q/k rows permuted for its rotary layout, llama.cpp tensor names), with a byte-level
BPE vocabulary (every byte is a token, one merge) and a ChatML chat template. Loading the file
back must give the same model: the test compares logits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
SIZES = dict(hidden=64, layers=2, heads=4, kv_heads=2, ffn=128, context=256)


def byte_tokens() -> list[str]:
    """The 256 byte-level symbols (GPT-2's byte->unicode table), in byte order."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    table = bytes_to_unicode()
    return [table[b] for b in range(256)]


def tiny_llama(vocab_size: int, seed: int = 0) -> Any:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=SIZES["hidden"],
        intermediate_size=SIZES["ffn"],
        num_hidden_layers=SIZES["layers"],
        num_attention_heads=SIZES["heads"],
        num_key_value_heads=SIZES["kv_heads"],
        max_position_embeddings=SIZES["context"],
        rms_norm_eps=1e-5,
        rope_theta=10000.0,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(cfg).eval()


def _permute(weight: Any, heads: int) -> Any:
    """llama.cpp's rotary layout for q/k rows (transformers undoes it on load)."""
    rows = weight.shape[0]
    return (
        weight.reshape(heads, 2, rows // heads // 2, *weight.shape[1:])
        .swapaxes(1, 2)
        .reshape(weight.shape)
    )


def write_tiny_gguf(path: Path, seed: int = 0) -> Any:
    """Write the file; returns the HF model it holds (for comparison)."""
    import gguf
    import numpy as np

    tokens = [*byte_tokens(), "ĠĠ", *SPECIALS]  # one merge: two spaces
    model = tiny_llama(len(tokens), seed)
    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("peftbench tiny test llama")
    w.add_context_length(SIZES["context"])
    w.add_embedding_length(SIZES["hidden"])
    w.add_block_count(SIZES["layers"])
    w.add_feed_forward_length(SIZES["ffn"])
    w.add_head_count(SIZES["heads"])
    w.add_head_count_kv(SIZES["kv_heads"])
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_rope_dimension_count(SIZES["hidden"] // SIZES["heads"])
    w.add_vocab_size(len(tokens))
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_types([1] * 257 + [3] * len(SPECIALS))  # 1 normal, 3 control
    w.add_token_merges(["Ġ Ġ"])
    w.add_bos_token_id(tokens.index("<|endoftext|>"))
    w.add_eos_token_id(tokens.index("<|im_end|>"))
    w.add_pad_token_id(tokens.index("<|endoftext|>"))
    w.add_chat_template(CHAT_TEMPLATE)
    names = {
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
        "lm_head.weight": "output.weight",
    }
    layer = {
        "input_layernorm": "attn_norm",
        "self_attn.q_proj": "attn_q",
        "self_attn.k_proj": "attn_k",
        "self_attn.v_proj": "attn_v",
        "self_attn.o_proj": "attn_output",
        "post_attention_layernorm": "ffn_norm",
        "mlp.gate_proj": "ffn_gate",
        "mlp.up_proj": "ffn_up",
        "mlp.down_proj": "ffn_down",
    }
    for i in range(SIZES["layers"]):
        for hf, cpp in layer.items():
            names[f"model.layers.{i}.{hf}.weight"] = f"blk.{i}.{cpp}.weight"
    for hf, cpp in names.items():
        tensor = sd[hf]
        if ".attn_q." in cpp:
            tensor = _permute(tensor, SIZES["heads"])
        elif ".attn_k." in cpp:
            tensor = _permute(tensor, SIZES["kv_heads"])
        w.add_tensor(cpp, np.ascontiguousarray(tensor, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return model
