using Pix2Pix.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

public sealed partial class Pix2PixModel
{
    /// <summary>
    /// One copy of G and D with its slice of the step's batch, and the reference's objective as passes over it: D on the
    /// detached fake and the real pair, then G through the updated, frozen D plus λ·L1 (or λ·L1 alone, the paper's
    /// ablation). Each pass leaves its gradients in this copy's networks; the model averages and steps them.
    /// </summary>
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

        // G's forward, then D's loss on the detached fake (or one from the image pool) and on the real pair,
        // back-propagated into this replica's D. The pool is the model's: with several replicas it is empty (--replicas
        // needs --pool_size 0) and passes each fake through untouched, so their threads can share it.
        public void DiscriminatorPass(GanLoss ganLoss, ImagePool pool)
        {
            using var scope = NewDisposeScope();
            FakeB = Generator.forward(realA!).DetachFromDisposeScope();
            SetRequiresGrad(Discriminator, true);
            var lossDFake = ganLoss.Compute(Discriminator.forward(pool.Query(cat([realA!, FakeB.detach()], 1))), targetIsReal: false);
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
