using System.Collections;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Export;

/// <summary>
/// Reads a generator state dict saved by the reference PyTorch implementation (latest_net_G.pth, keys
/// nested as model.model.N...) into a <see cref="GeneratorNetwork"/> (a U-Net or a ResNet). The layer order is the reference's,
/// so keys map one to one; anything missing, unexpected or of another shape is reported by name.
/// </summary>
public static class ReferenceImport
{
    public static GeneratorNetwork Load(string pthPath, NetworkOptions network)
    {
        if (!File.Exists(pthPath)) throw new UserInputException($"--pth not found: {pthPath}");
        Hashtable source;
        try
        {
            source = PyTorchUnpickler.UnpickleStateDict(pthPath);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new UserInputException($"{pthPath} is not a PyTorch state dict ({e.Message.Split('\n')[0]})", e);
        }

        var generator = Networks.CreateGenerator(network, initialise: false);
        var target = generator.state_dict();
        var given = source.Keys.Cast<object>().Select(k => k.ToString()!).Select(k => k.StartsWith("module.") ? k["module.".Length..] : k)
            .Zip(source.Values.Cast<object>()).ToDictionary(p => p.First, p => p.Second);

        var problems = new List<string>();
        // Checkpoints from PyTorch before 0.4.1 have no num_batches_tracked; it only counts steps.
        var missing = target.Keys.Where(k => !given.ContainsKey(k) && !k.EndsWith("num_batches_tracked")).ToArray();
        var unexpected = given.Keys.Where(k => !target.ContainsKey(k)).ToArray();
        if (missing.Length > 0) problems.Add($"missing keys: {Summarise(missing)}");
        if (unexpected.Length > 0) problems.Add($"unexpected keys: {Summarise(unexpected)}");
        foreach (var (key, value) in given.Where(p => target.ContainsKey(p.Key)))
        {
            if (value is not Tensor tensor) { problems.Add($"{key} is not a tensor"); continue; }
            if (!tensor.shape.SequenceEqual(target[key].shape))
            {
                problems.Add($"{key} has shape [{string.Join(", ", tensor.shape)}], this {network.NetG} ngf {network.Ngf} generator expects [{string.Join(", ", target[key].shape)}]");
            }
        }

        if (problems.Count > 0)
        {
            generator.Dispose();
            throw new UserInputException($"{pthPath} does not fit --netG {network.NetG} --ngf {network.Ngf} --norm {network.Norm.ToString().ToLowerInvariant()}: {string.Join("; ", problems)}");
        }

        using (no_grad())
        {
            foreach (var (key, value) in given) target[key].copy_(((Tensor)value).to_type(target[key].dtype));
        }

        return generator;
    }

    private static string Summarise(IReadOnlyList<string> keys) =>
        keys.Count <= 5 ? string.Join(", ", keys) : $"{string.Join(", ", keys.Take(5))} and {keys.Count - 5} more";
}
