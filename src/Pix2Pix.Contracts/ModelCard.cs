using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pix2Pix.Contracts;

/// <summary>
/// What a server needs to know about an exported generator, and nothing it must guess. Stored twice:
/// as the ONNX file's metadata_props (<see cref="ToMetadata"/>) and as a JSON card beside it.
/// </summary>
public sealed record ModelCard
{
    public const string Format = "pix2pix-generator/1";

    [JsonPropertyName("format")]
    public string CardFormat { get; init; } = Format;
    public required string Architecture { get; init; }
    public required int Ngf { get; init; }
    public required string Norm { get; init; }
    public required int InputChannels { get; init; }
    public required int OutputChannels { get; init; }
    /// <summary>The side the generator was trained at (crop_size); the service brings images to it.</summary>
    public required int NativeSize { get; init; }
    /// <summary>Image sides the graph takes must be multiples of this (2^downsamplings).</summary>
    public required int SizeMultiple { get; init; }
    public required string Direction { get; init; }
    public string ValueRange { get; init; } = "[-1,1]";
    public required NormalizationAtTest NormalizationAtTest { get; init; }
    public required string Dataset { get; init; }
    public required string Epoch { get; init; }
    public required string ExporterVersion { get; init; }
    public bool Fp16Weights { get; init; }
    /// <summary>The graph computes in float16 (for GPUs); its input and output are float32 all the same.</summary>
    public bool Float16Compute { get; init; }
    /// <summary>The model's licence and attribution (ONNX's standard <c>model_license</c> metadata), or null when the
    /// exporter was given none. A model trained on licensed data carries its terms with it, e.g. CC BY-SA.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? License { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public IReadOnlyDictionary<string, string> ToMetadata()
    {
        var metadata = new Dictionary<string, string>
        {
            [Keys.Format] = CardFormat,
            [Keys.Architecture] = Architecture,
            [Keys.Ngf] = Ngf.ToString(CultureInfo.InvariantCulture),
            [Keys.Norm] = Norm,
            [Keys.InputChannels] = InputChannels.ToString(CultureInfo.InvariantCulture),
            [Keys.OutputChannels] = OutputChannels.ToString(CultureInfo.InvariantCulture),
            [Keys.NativeSize] = NativeSize.ToString(CultureInfo.InvariantCulture),
            [Keys.SizeMultiple] = SizeMultiple.ToString(CultureInfo.InvariantCulture),
            [Keys.Direction] = Direction,
            [Keys.ValueRange] = ValueRange,
            [Keys.NormalizationAtTest] = NormalizationAtTest.ToString().ToLowerInvariant(),
            [Keys.Dataset] = Dataset,
            [Keys.Epoch] = Epoch,
            [Keys.ExporterVersion] = ExporterVersion,
            [Keys.Fp16Weights] = Fp16Weights ? "true" : "false",
            [Keys.Float16Compute] = Float16Compute ? "true" : "false",
        };
        if (License is not null) metadata[Keys.License] = License;
        return metadata;
    }

    /// <summary>Reads a card back from metadata_props; a missing or malformed key is named in the exception.</summary>
    public static ModelCard FromMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        string Get(string key) => metadata.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new FormatException($"the model's metadata lacks '{key}'");
        int Int(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"the model's metadata '{key}' is not a positive integer");
        var format = Get(Keys.Format);
        if (format != Format) throw new FormatException($"the model's format is '{format}', expected '{Format}'");
        return new ModelCard
        {
            Architecture = Get(Keys.Architecture),
            Ngf = Int(Keys.Ngf),
            Norm = Get(Keys.Norm),
            InputChannels = Int(Keys.InputChannels),
            OutputChannels = Int(Keys.OutputChannels),
            NativeSize = Int(Keys.NativeSize),
            SizeMultiple = Int(Keys.SizeMultiple),
            Direction = Get(Keys.Direction),
            ValueRange = Get(Keys.ValueRange),
            NormalizationAtTest = Get(Keys.NormalizationAtTest) == "running" ? NormalizationAtTest.Running : NormalizationAtTest.Image,
            Dataset = Get(Keys.Dataset),
            Epoch = Get(Keys.Epoch),
            ExporterVersion = Get(Keys.ExporterVersion),
            Fp16Weights = metadata.TryGetValue(Keys.Fp16Weights, out var fp16) && fp16 == "true",
            Float16Compute = metadata.TryGetValue(Keys.Float16Compute, out var half) && half == "true",
            License = metadata.TryGetValue(Keys.License, out var license) && !string.IsNullOrWhiteSpace(license) ? license : null,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The card file that goes beside a model: <c>name.onnx</c> → <c>name.json</c>.</summary>
    public static string CardPath(string onnxPath) => Path.ChangeExtension(onnxPath, ".json");

    /// <summary>The ONNX metadata_props keys.</summary>
    public static class Keys
    {
        public const string Format = "pix2pix.format";
        public const string Architecture = "pix2pix.architecture";
        public const string Ngf = "pix2pix.ngf";
        public const string Norm = "pix2pix.norm";
        public const string InputChannels = "pix2pix.input_channels";
        public const string OutputChannels = "pix2pix.output_channels";
        public const string NativeSize = "pix2pix.native_size";
        public const string SizeMultiple = "pix2pix.size_multiple";
        public const string Direction = "pix2pix.direction";
        public const string ValueRange = "pix2pix.value_range";
        public const string NormalizationAtTest = "pix2pix.normalization_at_test";
        public const string Dataset = "pix2pix.dataset";
        public const string Epoch = "pix2pix.epoch";
        public const string ExporterVersion = "pix2pix.exporter_version";
        public const string Fp16Weights = "pix2pix.fp16_weights";
        public const string Float16Compute = "pix2pix.float16_compute";
        /// <summary>ONNX's own optional key (onnx/docs/IR.md, "Optional Metadata"), which other tools read too.</summary>
        public const string License = "model_license";
    }
}
