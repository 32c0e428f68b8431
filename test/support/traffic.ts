export * from '../../controller/mininet/traffic.js';
