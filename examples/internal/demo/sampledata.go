package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/azmlbatch/azmlbatch/internal/azurite"
)

// The public sample data the how-to reads,
// https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data,
// has a local stand-in: the same account, container and folder in Azurite,
// holding heart.csv, a small synthetic file with the UCI heart dataset's column
// names (not the real data). The container is public (anonymous read), like
// the real one, and the emulator routes the account's production host to it,
// so the how-to's command lines run as written against the local workspace.
const (
	// SampleAccount is the public storage account of Microsoft's example data.
	SampleAccount = "azuremlexampledata"
	// SampleContainer is its public container.
	SampleContainer = "data"
	// SampleFolder is the how-to's folder in SampleContainer.
	SampleFolder = "heart-disease-uci/data"
	// SampleFile is the single file of SampleFolder (S10's uri_file input).
	SampleFile = "heart.csv"
	// SampleRows is how many rows heart.csv has.
	SampleRows = 30
	// SampleFolderURL is the how-to's folder URL.
	SampleFolderURL = "https://" + SampleAccount + ".blob.core.windows.net/" + SampleContainer + "/" + SampleFolder
)

// sampleMetadata labels every stand-in blob as synthetic.
var sampleMetadata = map[string]*string{
	"synthetic": ptr("true"),
	"note":      ptr("azmlbatch local stand-in for the public UCI heart sample; generated data, not the real dataset"),
}

func ptr(s string) *string { return &s }

// sampleAzuriteEnv is what StartLocal adds to Azurite's environment: the
// sample account next to devstoreaccount1.
func sampleAzuriteEnv() []string { return []string{azurite.AccountsEnv(SampleAccount)} }

// seedSampleData creates the public container of the stand-in account,
// uploads heart.csv and routes the account's production host to it.
func (l *Local) seedSampleData(ctx context.Context) error {
	svc := strings.TrimSuffix(l.Storage.BlobURL(), "/"+l.Storage.AccountName()) + "/" + SampleAccount
	key := azurite.AccountKeyFor(SampleAccount)
	cred, err := azblob.NewSharedKeyCredential(SampleAccount, key)
	if err != nil {
		return err
	}
	cc, err := container.NewClientWithSharedKeyCredential(svc+"/"+SampleContainer, cred,
		&container.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: l.Server.HTTPClient()}})
	if err != nil {
		return err
	}
	access := container.PublicAccessTypeContainer
	if _, err := cc.Create(ctx, &container.CreateOptions{Access: &access, Metadata: sampleMetadata}); err != nil {
		return fmt.Errorf("container %s: %w", SampleContainer, err)
	}
	dir := filepath.Join(l.Dir, "sample-data")
	paths, err := GenerateHeartData(dir, 1, SampleRows)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		return err
	}
	ct := "text/csv"
	if _, err := cc.NewBlockBlobClient(SampleFolder+"/"+SampleFile).UploadBuffer(ctx, data, &blockblob.UploadBufferOptions{
		Metadata: sampleMetadata, HTTPHeaders: &blob.HTTPHeaders{BlobContentType: &ct}}); err != nil {
		return fmt.Errorf("upload %s: %w", SampleFile, err)
	}
	return l.Server.AddPublicBlobAccount(SampleAccount, svc, key)
}
