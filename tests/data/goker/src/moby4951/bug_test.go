package moby4951

import (
	"sync"
	"testing"
	"time"
)

type devInfo struct {
	lock   sync.Mutex
	hash   string
	mounts int
}

type DeviceSet struct {
	sync.Mutex
	devices map[string]*devInfo
}

// DeleteDevice takes devInfo.lock then DeviceSet's lock...
func (ds *DeviceSet) DeleteDevice(hash string) {
	info := ds.devices[hash]
	info.lock.Lock()
	defer info.lock.Unlock()
	time.Sleep(5 * time.Millisecond) // deactivate device
	ds.Lock()                        // BUG: B then A
	defer ds.Unlock()
	delete(ds.devices, hash)
}

// ...while MountDevice takes them in the other order.
func (ds *DeviceSet) MountDevice(hash string) {
	ds.Lock()
	defer ds.Unlock()
	info := ds.devices[hash]
	time.Sleep(5 * time.Millisecond) // check fs
	info.lock.Lock()                 // A then B
	defer info.lock.Unlock()
	info.mounts++
}

func TestMountWhileDeleting(t *testing.T) {
	runBug(func() {
		ds := &DeviceSet{devices: map[string]*devInfo{"c1": {hash: "c1"}}}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); ds.DeleteDevice("c1") }()
		go func() { defer wg.Done(); ds.MountDevice("c1") }()
		wg.Wait()
	})
}
