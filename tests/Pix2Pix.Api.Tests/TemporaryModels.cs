namespace Pix2Pix.Api.Tests;

/// <summary>A models folder of a test's own under the temp folder, removed when the test is done with it.</summary>
public sealed class TemporaryModels : IDisposable
{
    public TemporaryModels(params (string Name, byte[] Onnx)[] models)
    {
        foreach (var (name, onnx) in models) File.WriteAllBytes(System.IO.Path.Combine(Path, name + ".onnx"), onnx);
    }

    public string Path { get; } = Directory.CreateTempSubdirectory("pix2pix-models").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
