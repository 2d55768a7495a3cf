using Pix2Pix.Api.Inference;

namespace Pix2Pix.Api.Tests;

public class ClientTextTests
{
    [Theory]
    [InlineData("Load model from /tmp/pix2pix-models1x/broken.onnx failed:Protobuf parsing failed.", "Load model from broken.onnx failed:Protobuf parsing failed.")]
    [InlineData("Failed to load library /srv/app/libonnxruntime_providers_cuda.so with error", "Failed to load library libonnxruntime_providers_cuda.so with error")]
    [InlineData(@"cannot open C:\models\a b\x.onnx: denied", @"cannot open a b\x.onnx: denied")]   // a space ends a path: only a relative tail is left
    [InlineData("expected [batch, 1, height, width], got [1,3,-1,-1]", "expected [batch, 1, height, width], got [1,3,-1,-1]")]
    [InlineData("format is 'pix2pix-generator/X'", "format is 'pix2pix-generator/X'")]
    [InlineData("ratio 1/2 and and/or stay", "ratio 1/2 and and/or stay")]
    public void Messages_for_clients_name_files_but_not_where_the_server_keeps_them(string message, string told)
    {
        Assert.Equal(told, ClientText.WithoutPaths(message));
    }

    [Fact]
    public void An_unreadable_model_in_a_folder_whose_name_has_spaces_is_named_without_any_of_the_folder()
    {
        const string path = "/srv/pix2pix models/faces.onnx";

        var model = GeneratorModel.Unreadable(path, $"Could not find file '{path}'; the link in /srv/pix2pix models leads nowhere",
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        Assert.Equal("faces.onnx could not be read: Could not find file 'faces.onnx'; the link in the models folder leads nowhere", model.PublicError);
    }
}
