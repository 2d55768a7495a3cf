using System.CommandLine;
using System.Diagnostics;
using Pix2Pix.Contracts;
using Pix2Pix.Training.Export;
using Pix2Pix.Training.Training;

namespace Pix2Pix.Training.Commands;

/// <summary>`export`: a checkpoint's generator as an ONNX graph with its model card, for the service.</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("export", "Write a trained generator as ONNX (opset 17) with its model card");
        var run = new RunArguments(command);
        var file = new Option<string>("--output") { Description = "the .onnx file to write (its card goes beside it as .json)", Required = true };
        var fp16 = new Option<bool>("--fp16_weights") { Description = "store weights as float16 (half the file; computation stays float32)" };
        var float16 = new Option<bool>("--float16") { Description = "compute in float16 (for GPUs' tensor cores; input and output stay float32; slower than float32 on a CPU)" };
        var license = new Option<string?>("--license")
        {
            Description = "the model's licence and attribution, stored as ONNX's model_license metadata and in the card (a model trained on CC BY-SA data must carry it)",
        };
        command.Options.Add(file);
        command.Options.Add(fp16);
        command.Options.Add(float16);
        command.Options.Add(license);
        CommandAction.Set(command, error, result =>
        {
            var path = result.GetValue(file)!;
            if (!path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) throw new UserInputException($"--output {path} must end in .onnx");
            // The card goes beside the model as NAME.json: a .json there without its model is someone else's file (a run's
            // train_options.json, for one), which the export must not replace.
            if (File.Exists(ModelCard.CardPath(path)) && !File.Exists(path))
            {
                throw new UserInputException($"--output {path} would write its card over {ModelCard.CardPath(path)}, which is not the card of a model there; choose another name");
            }

            var terms = result.GetValue(license);
            if (terms is not null && string.IsNullOrWhiteSpace(terms)) throw new UserInputException("--license is empty: give the licence and attribution, or leave the option out");
            var clock = Stopwatch.StartNew();
            var record = RunRecord.Load(run.RunDirectory(result));
            var label = run.Epoch(result);
            var store = new CheckpointStore(run.RunDirectory(result));
            using var generator = store.LoadGenerator(record, label);
            // The card names the epoch itself, not "latest", which means another epoch after more training.
            var card = Card(record, store.EpochOf(label), run.NormalizationAtTest(result), result.GetValue(fp16)) with { Float16Compute = result.GetValue(float16), License = terms?.Trim() };
            GeneratorExporter.Write(generator, card, path);
            output.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1e6:F1} MB) and {ModelCard.CardPath(path)} in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }

    public static ModelCard Card(RunRecord record, string epoch, NormalizationAtTest normalization, bool fp16Weights) => new()
    {
        Architecture = record.Network.NetG,
        Ngf = record.Network.Ngf,
        Norm = record.Network.DescribeGeneratorNorm(),
        InputChannels = record.Network.InputNc,
        OutputChannels = record.Network.OutputNc,
        NativeSize = record.WorkingSize(),
        SizeMultiple = record.Network.SizeMultiple,
        Direction = (record.Data?.Direction ?? Options.Direction.AtoB).ToString(),
        NormalizationAtTest = record.Network.Norm == Options.NormKind.Batch ? normalization : NormalizationAtTest.Image,
        Dataset = record.Dataset,
        Epoch = epoch,
        ExporterVersion = GeneratorExporter.Version,
        Fp16Weights = fp16Weights,
    };
}
