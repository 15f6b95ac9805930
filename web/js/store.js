// Conversations live in the browser's IndexedDB, one record each, so they survive a reload
// and hold long attachments that localStorage's few megabytes would not.

const DB_NAME = "yak-chat";
const DB_VERSION = 1;
const STORE = "conversations";

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export class ConversationStore {
  static async open() {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) {
        db.createObjectStore(STORE, { keyPath: "id" }).createIndex("updated", "updated");
      }
    };
    return new ConversationStore(await promised(request));
  }

  constructor(db) {
    this.db = db;
  }

  transaction(mode) {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  // Every conversation, the most recently updated first.
  async list() {
    const all = await promised(this.transaction("readonly").getAll());
    return all.sort((a, b) => b.updated - a.updated);
  }

  async get(id) {
    return (await promised(this.transaction("readonly").get(id))) || null;
  }

  async put(conversation) {
    // A structured clone drops nothing the page keeps, but the stored copy must not share
    // objects with the live one that a stream is still writing into.
    await promised(this.transaction("readwrite").put(structuredClone(conversation)));
  }

  async delete(id) {
    await promised(this.transaction("readwrite").delete(id));
  }
}
