// Package azurite installs, starts and stops a pinned Azurite (the Azure Storage
// emulator, blob service only) for tests and local demos.
//
// Azurite comes from npm, pinned exactly by the package.json and package-lock.json
// embedded in this package (see npm/), and is installed with `npm ci` into a
// project-local .azurite/ folder, so tests never depend on a global install.
// Each Start runs a fresh in-memory instance on an ephemeral loopback port, which
// lets parallel test packages run side by side.
//
// Only Linux is fully supported: elsewhere the child is not killed automatically
// when the parent dies.
//
//	inst, err := azurite.Start(ctx, nil) // installs the pinned version on first use
//	defer inst.Stop()
//	svc, err := azblob.NewClientFromConnectionString(inst.ConnectionString(), nil)
package azurite
