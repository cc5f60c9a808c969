import pytest

from engine.teamwork import TeamworkConfig, get_profile, profile_for_model
from tests import tiny_models

TEAM = ("image.in", "diffuse.out", "normals.out")


@pytest.mark.parametrize("bad", ["Image.in", "image", "image.inout", "dif_fuse.out", "2d.out", "image.in "])
def test_bad_teammate_names_are_rejected(bad):
    with pytest.raises(ValueError, match="invalid"):
        TeamworkConfig(("image.in", bad))


def test_other_validation():
    with pytest.raises(ValueError, match="unique"):
        TeamworkConfig(("image.in", "image.in"))
    with pytest.raises(ValueError, match="lora_rank"):
        TeamworkConfig(TEAM, lora_rank=0)
    with pytest.raises(ValueError, match="resolution"):
        TeamworkConfig(TEAM, resolution="1024")
    with pytest.raises(TypeError):
        TeamworkConfig("image.in")


def test_metadata_strings_are_the_official_ones():
    cfg = TeamworkConfig(
        TEAM,
        lora_rank=16,
        profile="SD3",
        lora_communication=False,
        use_bias=True,
        base_model="org/sd3",
        title="My team",
        resolution="512x512",
    )
    meta = cfg.to_metadata()
    assert meta["modelspec.type"] == "teamwork"
    assert meta["modelspec.sai_model_spec"] == "1.0.0"
    assert meta["modelspec.architecture"] == "org/sd3/teamwork"
    assert meta["modelspec.title"] == "My team"
    assert meta["modelspec.resolution"] == "512x512"
    assert meta["base_model"] == "org/sd3"
    assert meta["teamwork.version"] == "1.0"
    assert meta["teamwork.teammates"] == "image.in,diffuse.out,normals.out"
    assert meta["teamwork.lora_rank"] == "16"
    assert meta["teamwork.profile"] == "SD3"
    assert meta["teamwork.lora_communication"] == "False"
    assert meta["teamwork.use_bias"] == "True"
    assert "modelspec.implementation" in meta
    assert TeamworkConfig.from_metadata(meta) == cfg


def test_from_metadata_any_case_bools_and_unknown_keys():
    meta = {
        "modelspec.type": "teamwork",
        "teamwork.teammates": "image.in,albedo.out",
        "teamwork.lora_rank": "8",
        "teamwork.profile": "SDXL",
        "teamwork.lora_communication": "FALSE",
        "teamwork.use_bias": "true",
        "teamwork.attn_allow": "11;11",
        "teamwork.future_thing": "x",
    }
    cfg = TeamworkConfig.from_metadata(meta)
    assert cfg.teammates == ("image.in", "albedo.out")
    assert cfg.lora_rank == 8 and cfg.profile == "SDXL"
    assert cfg.lora_communication is False and cfg.use_bias is True
    with pytest.raises(ValueError, match="not a Teamwork checkpoint"):
        TeamworkConfig.from_metadata({"teamwork.teammates": "image.in"})
    with pytest.raises(ValueError, match="True' or 'False"):
        TeamworkConfig.from_metadata({**meta, "teamwork.use_bias": "yes"})


def test_rows_helper_and_index():
    cfg = TeamworkConfig(TEAM)
    assert cfg.rows(2, ["image.in", "normals.out"]) == [
        (0, "image.in"),
        (0, "normals.out"),
        (1, "image.in"),
        (1, "normals.out"),
    ]
    assert cfg.index("normals.out") == 2
    with pytest.raises(ValueError, match="Unknown teammate"):
        cfg.index("depth.out")
    assert cfg.inputs == ("image.in",) and cfg.outputs == ("diffuse.out", "normals.out")


def test_profiles_by_name_and_by_class():
    assert get_profile("sd3").name == "SD3" and get_profile("FLUX").name == "FLUX"
    with pytest.raises(ValueError, match="Unknown Teamwork profile"):
        get_profile("SD4")
    assert profile_for_model(tiny_models.tiny_unet2d()).name == "pixel"
    assert profile_for_model(tiny_models.tiny_unet_condition("sd2")).name == "SD2"
    assert profile_for_model(tiny_models.tiny_unet_condition("sdxl")).name == "SDXL"
    assert profile_for_model(tiny_models.tiny_sd3()).name == "SD3"
    assert profile_for_model(tiny_models.tiny_flux()).name == "FLUX"
    with pytest.raises(ValueError, match="No Teamwork profile"):
        profile_for_model(tiny_models.tiny_mlp())


def test_profile_patterns_use_one_segment_wildcards():
    sd2 = get_profile("SD2")
    assert sd2.matches("down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q")
    assert sd2.matches("up_blocks.0.resnets.1.conv_shortcut")
    assert not sd2.matches("mid_block.attentions.0.transformer_blocks.0.attn1.to_q")
    assert not sd2.matches("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_q")
    assert not sd2.matches("down_blocks.1.resnets.0.time_emb_proj")
    flux = get_profile("FLUX")
    assert flux.matches("single_transformer_blocks.3.proj_mlp")
    assert not flux.matches("transformer_blocks.0.attn.add_q_proj")
