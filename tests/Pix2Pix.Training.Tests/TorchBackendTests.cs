using System.Diagnostics;

namespace Pix2Pix.Training.Tests;

/// <summary>
/// -p:TorchBackend picks the LibTorch that training links. The CUDA package cannot be restored here, so the project is
/// evaluated (not built) both ways, and an unknown backend must fail the build with one message.
/// </summary>
public class TorchBackendTests
{
    private static readonly string Project = Path.Combine(RepositoryRoot(), "src", "Pix2Pix.Training", "Pix2Pix.Training.csproj");

    [Theory]
    [InlineData("", "TorchSharp-cpu", "TorchSharp-cuda-linux")]
    [InlineData("cpu", "TorchSharp-cpu", "TorchSharp-cuda-linux")]
    [InlineData("cuda", "TorchSharp-cuda-linux", "TorchSharp-cpu")]
    public void The_backend_switch_references_one_TorchSharp_package(string backend, string referenced, string absent)
    {
        var (exitCode, output) = MsBuild(["-getItem:PackageReference", .. backend == "" ? Array.Empty<string>() : [$"-p:TorchBackend={backend}"]]);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"\"Identity\": \"{referenced}\"", output);
        Assert.DoesNotContain($"\"Identity\": \"{absent}\"", output);
    }

    [Fact]
    public void An_unknown_backend_fails_the_build_naming_the_two_there_are()
    {
        var (exitCode, output) = MsBuild("-t:CollectPackageReferences", "-p:TorchBackend=rocm");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("TorchBackend 'rocm': use cpu (TorchSharp-cpu, the default) or cuda (TorchSharp-cuda-linux)", output);
    }

    private static (int ExitCode, string Output) MsBuild(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["msbuild", Project, "-nologo", .. arguments]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pix2Pix.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("the repository root (Pix2Pix.sln) is not above the test binaries");
    }
}
