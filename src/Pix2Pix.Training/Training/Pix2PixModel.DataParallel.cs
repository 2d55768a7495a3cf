using Pix2Pix.Training.Data;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>
/// Data parallelism on CPU cores, as the reference's nn.DataParallel over --gpu_ids: a step's batch is split into
/// <see cref="TrainOptions.Replicas"/> slices, each run by its own copy of G and D on its own thread. As in DataParallel,
/// batch norm is not synchronised: each replica normalises its own slice, so one image per replica is normalised exactly
/// as at batch 1. Their gradients are averaged into the primary networks' (weighted by slice size: the gradient of the
/// whole batch's mean loss), the primary's optimisers step, and the replicas take the new weights before their next
/// forward. The averaging runs in a fixed order, so a run repeats exactly and resumes exactly.
/// </summary>
public sealed partial class Pix2PixModel
{
    private ReplicaThreads? threads;
    private Replica[] replicas = [];
    private ReplicaParameters? replicaGenerators, replicaDiscriminators;
    private bool synchronised;

    private void CreateReplicas(NetworkOptions network, TrainOptions train)
    {
        if (train.Replicas <= 1) return;
        if (Device.IsCuda) throw new UserInputException("--replicas splits a batch over CPU cores; on a GPU leave it at 1");
        // Dropout's masks and the image pool's choices come from one random generator: replicas on several threads would
        // draw from it in an order that changes from run to run, and a run could not be repeated or resumed exactly.
        if (!network.NoDropout) throw new UserInputException("--replicas above 1 needs --no_dropout (the replicas' dropout masks would come from one random generator in a different order each run)");
        if (train.PoolSize > 0) throw new UserInputException("--replicas above 1 needs --pool_size 0 (pix2pix's default)");
        // The copies' own initialisation is overwritten before their first forward; it must not move the seeded generator.
        var seeded = get_rng_state();
        try
        {
            replicas = Enumerable.Range(0, train.Replicas).Select(k => k == 0
                ? new Replica(Generator, Discriminator, owned: false)
                : new Replica(Networks.CreateGenerator(network, init: train.Init), Networks.CreateDiscriminator(network, train.Init), owned: true)).ToArray();
        }
        finally
        {
            set_rng_state(seeded);
            seeded.Dispose();
        }

        foreach (var replica in replicas.Skip(1))
        {
            replica.Generator.Convolutions = Generator.Convolutions;
            if (replica.Discriminator is PatchDiscriminator patches) patches.Convolutions = ((PatchDiscriminator)Discriminator).Convolutions;
            replica.Generator.train();
            replica.Discriminator.train();
        }

        replicaGenerators = new ReplicaParameters(replicas.Skip(1).Select(r => r.Generator.parameters().ToArray()).ToArray());
        replicaDiscriminators = new ReplicaParameters(replicas.Skip(1).Select(r => r.Discriminator.parameters().ToArray()).ToArray());
        threads = new ReplicaThreads(train.Replicas, libTorchThreadsEach: Math.Max(1, get_num_threads() / train.Replicas));
    }

    private StepLosses OptimizeInParallel(PairBatch batch, Action<Tensor, Tensor, Tensor>? visuals)
    {
        var used = Math.Min(replicas.Length, batch.Size);
        var share = new double[used];
        var start = 0L;
        for (var k = 0; k < used; k++)
        {
            var size = batch.Size / used + (k < batch.Size % used ? 1 : 0);
            replicas[k].Take(batch.RealA.narrow(0, start, size), batch.RealB.narrow(0, start, size));
            share[k] = (double)size / batch.Size;
            start += size;
        }

        try
        {
            if (!synchronised)
            {
                // The first step (after construction or a restored checkpoint): every copy takes the primary's weights.
                Broadcast(r => r.Generator, Generator);
                Broadcast(r => r.Discriminator, Discriminator);
                synchronised = true;
            }

            if (ganMode == GanMode.None)
            {
                ZeroGrad(OptimizerG);
                threads!.Run(used, k => replicas[k].L1Only(lambdaL1));
                StepReplicas(OptimizerG, replicaGenerators!, share, r => r.Generator, Generator);
            }
            else
            {
                ZeroGrad(OptimizerD);
                threads!.Run(used, k => replicas[k].DiscriminatorPass(ganLoss));
                StepReplicas(OptimizerD, replicaDiscriminators!, share, r => r.Discriminator, Discriminator);
                ZeroGrad(OptimizerG);
                threads.Run(used, k => replicas[k].GeneratorPass(ganLoss, lambdaL1));
                StepReplicas(OptimizerG, replicaGenerators!, share, r => r.Generator, Generator);
            }

            if (visuals is not null)
            {
                using var scope = NewDisposeScope();
                visuals(batch.RealA, cat(replicas.Take(used).Select(r => r.FakeB!).ToArray(), 0).detach(), batch.RealB);
            }

            var losses = replicas.Take(used).Select(r => r.Losses).ToArray();
            double Mean(Func<StepLosses, double> loss) => losses.Select((l, k) => loss(l) * share[k]).Sum();
            return new StepLosses(Mean(l => l.GGan), Mean(l => l.GL1), Mean(l => l.DReal), Mean(l => l.DFake));
        }
        finally
        {
            foreach (var replica in replicas.Take(used)) replica.Release();
        }
    }

    // One optimiser step on the replicas' averaged gradient, after which every copy holds the primary's new weights: the
    // fused step does all of it in one pass; the first-written step averages, steps and copies in passes of their own.
    private void StepReplicas(Adam optimizer, ReplicaParameters copies, double[] share, Func<Replica, nn.Module> network, nn.Module primary)
    {
        if (fusedAdam)
        {
            copies.Use(share);
            FusedAdam.Step(optimizer, copies);
            return;
        }

        Average(share, network);
        optimizer.step();
        Broadcast(network, primary);
    }

    // The primary's weights (and batch-norm statistics) into every other replica.
    private void Broadcast(Func<Replica, nn.Module> network, nn.Module primary)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var source = primary.state_dict();
        foreach (var replica in replicas.Skip(1))
        {
            foreach (var (name, tensor) in network(replica).state_dict()) tensor.copy_(source[name]);
        }
    }

    // grad₀ ← Σₖ shareₖ · gradₖ, in replica order; the other replicas' gradients are zeroed for their next pass.
    private void Average(double[] share, Func<Replica, nn.Module> network)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = replicas.Take(share.Length).Select(r => network(r).parameters().ToArray()).ToArray();
        for (var i = 0; i < parameters[0].Length; i++)
        {
            var total = parameters[0][i].grad;
            if (total is null) continue;
            total.mul_(share[0]);
            for (var k = 1; k < share.Length; k++)
            {
                var grad = parameters[k][i].grad;
                if (grad is null) continue;
                total.add_(grad, alpha: share[k]);
                grad.zero_();
            }
        }
    }

    /// <summary>One replica: its networks, its slice of the step's batch and what its passes produced.</summary>
    private sealed class Replica(GeneratorNetwork generator, nn.Module<Tensor, Tensor> discriminator, bool owned) : IDisposable
    {
        private Tensor? realA, realB;

        public GeneratorNetwork Generator { get; } = generator;
        public nn.Module<Tensor, Tensor> Discriminator { get; } = discriminator;
        public Tensor? FakeB { get; private set; }
        public StepLosses Losses { get; private set; } = new(0, 0, 0, 0);

        public void Take(Tensor a, Tensor b)
        {
            realA = a.DetachFromDisposeScope();
            realB = b.DetachFromDisposeScope();
        }

        public void L1Only(Scalar lambdaL1)
        {
            using var scope = NewDisposeScope();
            FakeB = Generator.forward(realA!).DetachFromDisposeScope();
            var lossGL1 = nn.functional.l1_loss(FakeB, realB!).mul(lambdaL1);
            lossGL1.backward();
            Losses = new StepLosses(0, lossGL1.item<float>(), 0, 0);
        }

        // G's forward, then D's loss on the detached fake and on the real pair, back-propagated into this replica's D.
        public void DiscriminatorPass(GanLoss ganLoss)
        {
            using var scope = NewDisposeScope();
            FakeB = Generator.forward(realA!).DetachFromDisposeScope();
            SetRequiresGrad(Discriminator, true);
            var lossDFake = ganLoss.Compute(Discriminator.forward(cat([realA!, FakeB.detach()], 1)), targetIsReal: false);
            var lossDReal = ganLoss.Compute(Discriminator.forward(cat([realA!, realB!], 1)), targetIsReal: true);
            lossDFake.add(lossDReal, One).mul(Half).backward();
            Losses = new StepLosses(0, 0, lossDReal.item<float>(), lossDFake.item<float>());
        }

        // G's loss through the updated D (frozen) plus λ·L1, back-propagated into this replica's G.
        public void GeneratorPass(GanLoss ganLoss, Scalar lambdaL1)
        {
            using var scope = NewDisposeScope();
            SetRequiresGrad(Discriminator, false);
            var lossGGan = ganLoss.Compute(Discriminator.forward(cat([realA!, FakeB!], 1)), targetIsReal: true);
            var lossGL1 = nn.functional.l1_loss(FakeB!, realB!).mul(lambdaL1);
            lossGGan.add(lossGL1, One).backward();
            Losses = Losses with { GGan = lossGGan.item<float>(), GL1 = lossGL1.item<float>() };
        }

        // Frees this step's slice and fake (the fake holds G's graph until then).
        public void Release()
        {
            realA?.Dispose();
            realB?.Dispose();
            FakeB?.Dispose();
            (realA, realB, FakeB) = (null, null, null);
        }

        public void Dispose()
        {
            Release();
            if (!owned) return;
            Generator.Dispose();
            Discriminator.Dispose();
        }
    }
}
