using Microsoft.ML.OnnxRuntime;
using Pix2Pix.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Inference;

/// <summary>
/// An exported generator (.onnx with its model card in the metadata) run by ONNX Runtime on the CPU, exactly
/// what the service serves: so `evaluate --model` scores the committed file, not the checkpoint it came from.
/// Images are letterboxed to the card's native size and back (<see cref="Letterbox"/>), as the service does.
/// </summary>
public sealed class OnnxTranslator : ITranslator
{
    private readonly InferenceSession session;
    private readonly string inputName;

    private OnnxTranslator(InferenceSession session, ModelCard card)
    {
        this.session = session;
        Card = card;
        inputName = session.InputMetadata.Keys.Single();
    }

    public ModelCard Card { get; }

    public int NativeSize => Card.NativeSize;

    /// <summary>Whether it was trained BtoA: its input is the right half of an A|B file.</summary>
    public bool SwapsHalves => Card.Direction == "BtoA";

    public static OnnxTranslator Open(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"model not found: {path}");
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL });
        }
        catch (OnnxRuntimeException e)
        {
            throw new UserInputException($"{path} is not an ONNX model ONNX Runtime can load: {e.Message.Split('\n')[0]}", e);
        }

        try
        {
            return new OnnxTranslator(session, ModelCard.FromMetadata(session.ModelMetadata.CustomMetadataMap));
        }
        catch (FormatException e)
        {
            session.Dispose();
            throw new UserInputException($"{path} is not a pix2pix generator export: {e.Message}", e);
        }
    }

    public Image<Rgb24> Translate(Image<Rgb24> input) => ITranslator.AtNativeSize(input, NativeSize, Card.InputChannels, TranslateNative);

    /// <summary>The generator alone: C×H×W values of its native size in, the same out.</summary>
    public float[] TranslateNative(float[] values)
    {
        var size = NativeSize;
        using var tensor = OrtValue.CreateTensorValueFromMemory(values, [1, Card.InputChannels, size, size]);
        using var options = new RunOptions();
        using var results = session.Run(options, [inputName], [tensor], session.OutputNames);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => session.Dispose();
}
