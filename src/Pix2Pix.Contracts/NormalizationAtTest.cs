using System.Text.Json.Serialization;

namespace Pix2Pix.Contracts;

/// <summary>
/// What batch normalisation does when the generator runs for a user.
/// <see cref="Image"/> is the paper's rule: each image is normalised with its own statistics (batch norm at
/// batch size 1, which is instance normalisation with the layer's gamma and beta).
/// <see cref="Running"/> uses the running averages gathered in training (PyTorch's eval mode).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<NormalizationAtTest>))]
public enum NormalizationAtTest
{
    [JsonStringEnumMemberName("image")]
    Image,

    [JsonStringEnumMemberName("running")]
    Running,
}
