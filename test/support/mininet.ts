export * from '../../controller/mininet/client.js';
